import type { SluiceRequestInit } from './types/index.js';

/*
 * Internal (freshRequest is public, through compose): how compose turns a call's input
 * and init into the one Request its middlewares see.
 */

/** The init keys that are Sluice's own options, never passed to `new Request`. */
const SLUICE_INIT_KEYS = new Set<string>(['skip', 'bodyFactory']);

/**
 * Marks requests made for one pipeline call only (see {@link freshRequest}): a slot on the
 * Request itself, not a WeakSet entry per request (weak tables are work for every garbage
 * collection). `false` once the pipeline has taken it.
 */
const FRESH = Symbol('sluice.freshRequest');
type Marked = Request & { [FRESH]?: boolean };

/**
 * Marks a `Request` as made for one pipeline call only, so that the pipeline uses it as it
 * is instead of copying it (middlewares then set their headers on it). The client marks
 * the Request ky builds for each call; never mark a Request you send twice.
 *
 * @example
 * ```ts
 * const pipeline = compose([correlationId()]);
 * const request = freshRequest(new Request('https://api.example.com/items'));
 * await pipeline(request); // no copy of `request` is made
 * ```
 */
export function freshRequest(request: Request): Request {
  if (!(request instanceof Request)) {
    throw new TypeError(`freshRequest(): expected a Request, got ${request === null ? 'null' : typeof request}.`);
  }
  try {
    (request as Marked)[FRESH] = true;
  } catch {
    // A frozen Request takes no mark: the pipeline then copies it, as any other.
  }
  return request;
}

/**
 * A fresh Request (see {@link freshRequest}) whose `init` adds nothing a copy would apply:
 * only Sluice's own options, a `signal: null` that says no caller signal can reach it, or
 * the very stream it already has as body. `undefined` when a copy is needed.
 */
export function adopt(input: RequestInfo | URL, init: SluiceRequestInit | undefined): Request | undefined {
  if (!(input instanceof Request) || (input as Marked)[FRESH] !== true) return undefined;
  (input as Marked)[FRESH] = false;
  if (init) {
    for (const key in init) {
      const value = (init as Record<string, unknown>)[key];
      if (value === undefined || !STANDARD_INIT_KEYS.has(key)) continue;
      if (key === 'signal' && value === null) continue;
      if (key === 'body' && value === input.body) continue;
      return undefined;
    }
  }
  return input;
}

/** The keys `new Request` reads from its init. */
const STANDARD_INIT_KEYS = new Set<string>([
  'method',
  'headers',
  'body',
  'referrer',
  'referrerPolicy',
  'mode',
  'credentials',
  'cache',
  'redirect',
  'integrity',
  'keepalive',
  'signal',
  'window',
  'duplex',
  'priority',
  'dispatcher',
]);

/** A Request for `input` and the standard part of `init` (Sluice's own options left out). */
export function buildRequest(input: RequestInfo | URL, init: SluiceRequestInit | undefined): Request {
  // Always a fresh Request: middlewares set headers on it (correlation id, Idempotency-Key,
  // credentials), and a caller's Request object that is sent twice must not keep them.
  if (!init) return new Request(input);
  const standard: RequestInit & { duplex?: 'half' } = {};
  for (const [key, value] of Object.entries(init)) {
    if (!SLUICE_INIT_KEYS.has(key) && value !== undefined) (standard as Record<string, unknown>)[key] = value;
  }
  if (isStream(init.body)) standard.duplex = 'half';
  return new Request(input, standard);
}

export function isStream(body: unknown): body is ReadableStream {
  return typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;
}
