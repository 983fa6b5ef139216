import type { Context } from '../types/index.js';
import { checkNumber } from '../check.js';

/**
 * A retry schedule: the delay in milliseconds before retry number `retry` (1 for the
 * first retry, 2 for the second...). It must return a finite number ≥ 0.
 *
 * @example
 * ```ts
 * const fixed: BackoffFunction = () => 1_000;
 * ```
 */
export type BackoffFunction = (retry: number, context: Context) => number;

/**
 * The default base of {@link exponentialBackoff}: 300 ms.
 *
 * @example
 * ```ts
 * const slower = exponentialBackoff({ base: DEFAULT_BACKOFF_BASE * 2 });
 * ```
 */
export const DEFAULT_BACKOFF_BASE = 300;
/**
 * The default cap of {@link exponentialBackoff}: 30 s.
 *
 * @example
 * ```ts
 * const patient = exponentialBackoff({ cap: DEFAULT_BACKOFF_CAP * 4 });
 * ```
 */
export const DEFAULT_BACKOFF_CAP = 30_000;

/**
 * Options of {@link exponentialBackoff}.
 *
 * @example
 * ```ts
 * const options: ExponentialBackoffOptions = { base: 100, cap: 5_000, random: () => 0.5 };
 * ```
 */
export interface ExponentialBackoffOptions {
  /** Delay ceiling of the first retry, in ms. Default 300. */
  base?: number;
  /** The ceiling never grows past this, in ms. Default 30 000. */
  cap?: number;
  /** Returns a number in [0, 1). Default `Math.random`; inject it for deterministic tests. */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter: retry `n` waits a random time in
 * `[0, min(cap, base × 2^(n-1)))`.
 *
 * @example
 * ```ts
 * const schedule = exponentialBackoff({ base: 300, cap: 30_000, random: () => 0.5 });
 * ```
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): BackoffFunction {
  const base = options.base ?? DEFAULT_BACKOFF_BASE;
  const cap = options.cap ?? DEFAULT_BACKOFF_CAP;
  const random = options.random ?? Math.random;
  checkNumber('exponentialBackoff', 'base', base, { unit: 'ms' });
  checkNumber('exponentialBackoff', 'cap', cap, { unit: 'ms' });
  if (typeof random !== 'function') {
    throw new TypeError(`exponentialBackoff: "random" must be a function returning a number in [0, 1), got ${typeof random}.`);
  }
  return (retry) => {
    const ceiling = Math.min(cap, base * 2 ** Math.max(0, retry - 1));
    return Math.floor(random() * ceiling);
  };
}

