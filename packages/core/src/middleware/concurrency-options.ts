import type { Middleware } from '../types/index.js';
import { checkKeys, checkNumber, checkOneOf, type OptionKeys } from '../check.js';

/*
 * The concurrency middleware's options, its stats and their checks (the middleware is in concurrency.ts).
 */

/**
 * Options of {@link concurrency}.
 *
 * @example
 * ```ts
 * const options: ConcurrencyOptions = { limit: 8, key: (request) => new URL(request.url).origin, maxQueue: 100 };
 * ```
 */
export interface ConcurrencyOptions {
  /** Most network attempts in flight at once (per key). A positive integer, or `Infinity`: no limit. */
  limit: number;
  /**
   * Splits requests into groups that each get their own `limit` and queue, e.g. one per
   * origin. Default: one group for every request.
   */
  key?: (request: Request) => string;
  /**
   * Most requests waiting for a slot (per key). When the queue is full, a new request
   * fails at once with {@link QueueFullError}. Default: unbounded.
   */
  maxQueue?: number;
  /**
   * When a slot is freed: `'headers'` (default) as soon as the response headers arrive;
   * `'body'` once the response body is fully read, errors or is cancelled, so streamed
   * downloads count against the limit. With `'body'`, always read or cancel the body.
   */
  release?: 'headers' | 'body';
}

/**
 * What {@link ConcurrencyMiddleware.stats} reports.
 *
 * @example
 * ```ts
 * const limiter = concurrency({ limit: 4, key: (request) => new URL(request.url).origin });
 * const stats: ConcurrencyStats = limiter.stats('https://api.example.com');
 * if (stats.queued > 50) console.warn('api.example.com is backed up', stats);
 * ```
 */
export interface ConcurrencyStats {
  /** Slots in use: attempts on the network (or bodies still held with `release: 'body'`). */
  inFlight: number;
  /** Requests waiting for a slot. */
  queued: number;
}

/**
 * The concurrency middleware, with introspection.
 *
 * @example
 * ```ts
 * const limiter = concurrency({ limit: 4 });
 * const { inFlight, queued } = limiter.stats();
 * ```
 */
export interface ConcurrencyMiddleware extends Middleware {
  /** Slots in use and requests queued for `key`, or summed over every key when omitted. */
  stats(key?: string): ConcurrencyStats;
}

/** Checks the options of {@link concurrency} (the middleware). Internal. */
export function validate(options: ConcurrencyOptions): ConcurrencyOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('concurrency: options are required, e.g. concurrency({ limit: 8 }).');
  }
  checkKeys('concurrency', options, CONCURRENCY_KEYS);
  const { limit, key, maxQueue, release } = options;
  if (limit !== Number.POSITIVE_INFINITY) checkNumber('concurrency', 'limit', limit, { integer: true, min: 1 });
  if (key !== undefined && typeof key !== 'function') {
    throw new TypeError(`concurrency: "key" must be a function (request) => string, got ${typeof key}.`);
  }
  if (maxQueue !== undefined && maxQueue !== Number.POSITIVE_INFINITY) checkNumber('concurrency', 'maxQueue', maxQueue, { integer: true });
  if (release !== undefined) checkOneOf('concurrency', 'release', release, ['headers', 'body']);
  return options;
}

/** Every key of {@link ConcurrencyOptions}. */
const CONCURRENCY_KEYS: OptionKeys<ConcurrencyOptions> = { limit: true, key: true, maxQueue: true, release: true };
