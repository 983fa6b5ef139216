import type { Context } from '../types/index.js';
import type { RetryOn } from './retry-options.js';
import { NetworkError, TimeoutError } from '../errors.js';
import { RateLimitError } from '../status-errors.js';
import type { RetryCostKind } from '../retry/budget.js';
import { deterministicFailure } from '../retry/deterministic.js';
import { isNetworkFailure, toHttpError } from '../http-error.js';
import { discard } from '../discard.js';

/*
 * Internal: the small judgements of the retry middleware (what failed, where it goes,
 * what the stop says), each a plain function of its inputs.
 */

/** Statuses whose server delay (Retry-After and friends) is honoured. */
export const SERVER_DELAY_STATUSES: ReadonlySet<number> = new Set([429, 503]);
/** Methods made retryable by an `Idempotency-Key`. */
export const KEYED_METHODS: ReadonlySet<string> = new Set(['POST', 'PATCH']);

/**
 * The origin of a request's URL (`scheme://host[:port]`). `Request` has serialized the URL
 * already (lower-case scheme and host, default port dropped), so for http(s) without
 * userinfo it is the text up to the path; anything else goes through `URL`.
 */
export function originOf(url: string): string {
  // A URL of the last http(s) origin again (the common case) gives the same origin string,
  // whose hash the gate's table has already computed: no regex, no new string.
  if (lastOrigin !== undefined && url.startsWith(lastOrigin)) {
    const next = url.charCodeAt(lastOrigin.length); // NaN at the end
    if (next === 47 || next === 63 || next === 35 || url.length === lastOrigin.length) return lastOrigin; // `/`, `?`, `#`
  }
  const origin = HTTP_ORIGIN.exec(url)?.[0];
  if (origin === undefined) return new URL(url).origin;
  lastOrigin = origin;
  return origin;
}

/** The origin {@link originOf} found last (http(s) only). */
let lastOrigin: string | undefined;

/** The origin of a serialized http(s) URL without userinfo: scheme and authority, up to the path. */
const HTTP_ORIGIN = /^https?:\/\/[^/@?#]+(?=[/?#]|$)/;

/** Which thrown errors are retried: network errors and attempt timeouts; never an abort or the total timeout. */
export function classify(error: unknown, context: Context): { kind: RetryCostKind; reason: string } | undefined {
  if (context.signal.aborted) return undefined;
  if (error instanceof TimeoutError) {
    return error.phase === 'attempt' ? { kind: 'timeout', reason: `attempt timeout (${error.timeoutMs} ms)` } : undefined;
  }
  // A failure that fails the same way every time (blocked port, bad scheme, redirect loop) is not retried.
  if (deterministicFailure(error) !== undefined) return undefined;
  if (error instanceof NetworkError || isNetworkFailure(error)) {
    return { kind: 'network', reason: `network error: ${(error as Error).message}` };
  }
  return undefined;
}

/** Asks `retryOn` about a clone of the response, so that reading its body leaves the caller's intact. */
export async function askRetryOn(retryOn: RetryOn, response: Response, context: Context): Promise<boolean | undefined> {
  const copy = response.clone();
  try {
    return await retryOn(copy, context);
  } finally {
    discard(copy);
  }
}

export function notIdempotent(method: string): string {
  return `not retried: ${method} is not idempotent; send an Idempotency-Key header or use retry({ idempotencyKey: true })`;
}

/** The RateLimitError of a 429/503 whose server delay is not waited for, with `note` saying why. */
export async function rateLimitError(response: Response, context: Context, retryAfter: number, note: string): Promise<RateLimitError> {
  context.state.retryStopped = note;
  const base = await toHttpError(response, context, { note, retryAfter });
  return new RateLimitError({
    status: base.status,
    statusText: base.statusText,
    method: base.method,
    url: base.url,
    headers: base.headers,
    body: base.body,
    attempts: context.attempt,
    correlationId: context.correlationId,
    note,
    retryAfter,
  });
}

/** A copy of a body-less request with the headers it had before its first attempt. */
export function freshCopy(request: Request, headers: Array<[string, string]>): Request {
  const current = [...request.headers];
  const unchanged = current.length === headers.length && current.every(([name, value], i) => headers[i]?.[0] === name && headers[i]?.[1] === value);
  return unchanged ? request.clone() : new Request(request, { headers });
}
