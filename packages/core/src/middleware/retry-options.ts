import type { Context } from '../types/index.js';
import type { BackoffFunction } from '../retry/backoff.js';
import type { RetryBudget, RetryBudgetOptions } from '../retry/budget.js';
import type { RateGate } from '../rate-limit/gate-types.js';

/*
 * The retry middleware's public option types and defaults (the middleware is in retry.ts).
 */

/**
 * Decides, for one response, whether to retry: `true` forces a retry (whatever the
 * status and method), `false` forbids one, `undefined` keeps the default rules. It gets a
 * clone of the response, so reading its body leaves the caller's body intact.
 *
 * @example
 * ```ts
 * const retryWhenEmpty: RetryOn = async (response) =>
 *   response.ok ? ((await response.json()) as { items: unknown[] }).items.length === 0 : undefined;
 * ```
 */
export type RetryOn = (response: Response, context: Context) => boolean | undefined | Promise<boolean | undefined>;

/**
 * Waits `ms` milliseconds; rejects with `signal.reason` at once when `signal` aborts.
 *
 * @example
 * ```ts
 * const instant: RetrySleep = async (_ms, signal) => signal.throwIfAborted();
 * ```
 */
export type RetrySleep = (ms: number, signal: AbortSignal) => Promise<void>;

/**
 * Options of {@link retry}. Every field is optional; the defaults are listed per field.
 *
 * @example
 * ```ts
 * const options: RetryOptions = { limit: 5, statuses: [429, 503], maxElapsed: 60_000 };
 * ```
 */
export interface RetryOptions {
  /** Retries after the first attempt. Default 3 (4 attempts). */
  limit?: number;
  /**
   * Methods that are retried. Default GET, HEAD, OPTIONS, PUT, DELETE, TRACE, QUERY.
   * POST and PATCH are retried too when the request carries an `Idempotency-Key` header.
   */
  methods?: readonly string[];
  /** Statuses that are retried. Default 408, 429, 500, 502, 503, 504. */
  statuses?: readonly number[];
  /** Adds an `Idempotency-Key` (a UUID, the same on every attempt) to POST and PATCH, making them retryable. Default false. */
  idempotencyKey?: boolean;
  /** A custom schedule; replaces the exponential backoff (and ignores `baseDelay`, `maxDelay`, `random`). */
  backoff?: BackoffFunction;
  /** Base of the exponential backoff, in ms. Default 300. */
  baseDelay?: number;
  /** Cap of the exponential backoff, in ms. Default 30 000. */
  maxDelay?: number;
  /** The jitter source, a number in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Budget in ms for the whole logical request: no attempt starts once it is spent, no wait runs past it. Default 120 000. */
  maxElapsed?: number;
  /** The longest server delay (Retry-After and friends) waited for, in ms; a longer one fails at once with `RateLimitError`. Default 60 000. */
  maxRetryAfter?: number;
  /** A predicate that forces or forbids a retry for one response. */
  retryOn?: RetryOn;
  /** The shared rate-limit gate, or `false` for none. Default: one `createRateGate()` per `retry()` instance. */
  gate?: RateGate | false;
  /** The retry budget, its options, or `false` for none. Default: one `createRetryBudget()` per `retry()` instance. */
  retryBudget?: RetryBudget | RetryBudgetOptions | false;
  /** The wall clock in epoch ms. Default `Date.now`. Inject it with `sleep` for tests. */
  clock?: () => number;
  /** The wait between attempts. Default: a timer that ends at once on abort. */
  sleep?: RetrySleep;
}

/**
 * The methods retried by default: the idempotent ones (RFC 9110 §9.2.2) plus `QUERY`.
 *
 * @example
 * ```ts
 * const alsoPost = retry({ methods: [...DEFAULT_RETRY_METHODS, 'POST'] });
 * ```
 */
export const DEFAULT_RETRY_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE', 'QUERY'];
/**
 * The statuses retried by default.
 *
 * @example
 * ```ts
 * const noTimeouts = retry({ statuses: DEFAULT_RETRY_STATUSES.filter((status) => status !== 408) });
 * ```
 */
export const DEFAULT_RETRY_STATUSES: readonly number[] = [408, 429, 500, 502, 503, 504];
