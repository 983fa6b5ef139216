import type { RequestOptions } from '@sluice/core';
import type { Options as KyOptions } from 'ky';

/**
 * Options of one client call: ky's options (json, body, headers, searchParams, signal,
 * hooks...) plus Sluice's per-request options (`skip`, `retry`, `timeout`,
 * `correlationId`, `auth`, `throwHttpErrors`, `bodyFactory`...). ky's own `retry`,
 * `timeout` and `throwHttpErrors` are replaced by Sluice's, which reach the pipeline.
 *
 * @example
 * ```ts
 * const options: ClientRequestOptions = { retry: { limit: 0 }, timeout: 500, skip: ['observe'] };
 * ```
 */
export type ClientRequestOptions = Omit<
  KyOptions,
  'retry' | 'timeout' | 'totalTimeout' | 'throwHttpErrors' | 'fetch' | 'prefix' | 'baseUrl' | 'parseJson'
> &
  RequestOptions;

/** The ky option key under which the client forwards Sluice's colliding options to its fetch. */
export const FORWARDED = 'sluiceForwarded';

/** Keys that ky would swallow itself: moved under {@link FORWARDED} before calling ky. */
const COLLIDING = ['retry', 'timeout', 'throwHttpErrors'] as const;

/** What travels under {@link FORWARDED}. */
export interface Forwarded {
  overrides: Partial<Record<(typeof COLLIDING)[number], unknown>>;
  /** The caller's body was a one-shot stream: the pipeline must not replay it. */
  streamBody: boolean;
  /**
   * No signal can reach ky's request (none given, no hooks): the signal ky adds then never
   * aborts, so the pipeline is told the request has no caller signal.
   */
  noSignal: boolean;
}

/**
 * Moves the options ky would consume (`retry`, `timeout`, `throwHttpErrors`) out of its
 * way, so they reach the pipeline. A ky-style numeric `retry` becomes `{ limit }`.
 */
export function forKy(options: ClientRequestOptions | undefined, mayHaveSignal = true): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(options ?? {}) };
  const forwarded: Forwarded = {
    overrides: {},
    streamBody: false,
    noSignal: !mayHaveSignal && (out.signal === undefined || out.signal === null) && out.hooks === undefined,
  };
  for (const key of COLLIDING) {
    if (key in out) {
      const value = out[key];
      delete out[key];
      forwarded.overrides[key] = key === 'retry' && typeof value === 'number' ? { limit: value } : value;
    }
  }
  forwarded.streamBody = typeof ReadableStream !== 'undefined' && out.body instanceof ReadableStream;
  out[FORWARDED] = forwarded;
  return out;
}

/**
 * Turns what ky hands its fetch back into a pipeline `init`: the forwarded overrides are
 * put back, and a one-shot stream body is passed as `init.body` so the pipeline marks
 * the request non-replayable.
 */
export function fromKy(request: Request, init: Record<string, unknown> | undefined): Record<string, unknown> {
  const { [FORWARDED]: raw, ...rest } = init ?? {};
  const forwarded = raw as Forwarded | undefined;
  const out: Record<string, unknown> = { ...rest, ...(forwarded?.overrides ?? {}) };
  // ky always adds a signal of its own; with its timeouts off it never aborts: drop it.
  if (forwarded?.noSignal && out.signal === undefined) out.signal = null;
  if (forwarded?.streamBody && request.body && !('bodyFactory' in out && out.bodyFactory)) {
    out.body = request.body;
  }
  return out;
}
