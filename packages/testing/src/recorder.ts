import { createRedaction, DEFAULT_SECRET_NAMES } from '@sluice/core';
import { http } from 'msw';
import type { HandlerSet } from './handler-set.js';

/**
 * One request seen by a {@link recorder}. Secrets are already redacted.
 *
 * @example
 * ```ts
 * const check = (entry: RecordedRequest) => entry.headers['authorization'] === '[REDACTED]';
 * ```
 */
export interface RecordedRequest {
  /** The request method, e.g. `'GET'`. */
  method: string;
  /** The URL with secret query parameters redacted. */
  url: string;
  /** Lower-cased header names; secret values replaced by `[REDACTED]`. */
  headers: Record<string, string>;
  /** The correlation id header, when present. */
  correlationId: string | undefined;
  /**
   * 1-based attempt: how many requests with the same correlation id, method and URL the
   * recorder has seen, this one included. `undefined` without a correlation id.
   */
  attempt: number | undefined;
  /** `Date.now()` when the request arrived. */
  timestamp: number;
}

/**
 * Options of {@link recorder}.
 *
 * @example
 * ```ts
 * const options: RecorderOptions = { secrets: ['x-octopus-apikey'] };
 * ```
 */
export interface RecorderOptions {
  /** Extra secret header and query-parameter names, on top of the defaults. */
  secrets?: readonly string[];
  /** The header that carries the correlation id. Default `'x-correlation-id'`. */
  correlationHeader?: string;
  /** The msw path to record. Default `'*'`: every request. */
  url?: string;
}

/**
 * A request recorder (see {@link recorder}).
 *
 * @example
 * ```ts
 * const traffic: Recorder = recorder();
 * console.log(traffic.requests.length);
 * ```
 */
export interface Recorder extends HandlerSet {
  /** Every request so far, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** The requests that carried this correlation id. */
  byCorrelationId(id: string): RecordedRequest[];
  /** Forgets every request. */
  clear(): void;
}

/**
 * Records every request (method, redacted URL and headers, correlation id, attempt) and
 * lets it through to the next handler. Install it FIRST, before the handlers that answer.
 *
 * @example
 * ```ts
 * import { setupServer } from 'msw/node';
 * import { recorder, rateLimitedApi } from '@sluice/testing';
 *
 * const traffic = recorder({ secrets: ['x-octopus-apikey'] });
 * const server = setupServer(...traffic.handlers, ...rateLimitedApi({ rate: 5, burst: 5, headers: 'retry-after' }).handlers);
 * server.listen({ onUnhandledFrame: 'error' });
 * // ...then assert on traffic.requests
 * ```
 */
export function recorder(options: RecorderOptions = {}): Recorder {
  const { secrets = [], correlationHeader = 'x-correlation-id', url = '*' } = options;
  if (!Array.isArray(secrets) || secrets.some((name) => typeof name !== 'string')) {
    throw new TypeError('recorder(): "secrets" must be an array of header or query-parameter names.');
  }
  if (typeof correlationHeader !== 'string' || correlationHeader === '') {
    throw new TypeError(`recorder(): "correlationHeader" must be a non-empty header name, got ${String(correlationHeader)}.`);
  }
  const redaction = createRedaction([...DEFAULT_SECRET_NAMES, ...secrets]);
  const requests: RecordedRequest[] = [];
  const attempts = new Map<string, number>();

  const handler = http.all(url, ({ request }) => {
    const correlationId = request.headers.get(correlationHeader) ?? undefined;
    let attempt: number | undefined;
    if (correlationId !== undefined) {
      const key = `${correlationId} ${request.method} ${request.url}`;
      attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
    }
    requests.push({
      method: request.method,
      url: redaction.url(request.url),
      headers: redaction.headers(request.headers),
      correlationId,
      attempt,
      timestamp: Date.now(),
    });
    // No return: the request falls through to the next handler.
  });

  return {
    handlers: [handler],
    requests,
    byCorrelationId: (id) => requests.filter((entry) => entry.correlationId === id),
    clear() {
      requests.length = 0;
      attempts.clear();
    },
  };
}
