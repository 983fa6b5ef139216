import { type BackoffFunction, DEFAULT_RETRY_STATUSES, exponentialBackoff, type RetryOn, type RetryOptions } from '@sluice/core';

/**
 * Which resources must be present for a response to count: `true` checks the main
 * resource and every inclusion, a record checks the resources set to `true`.
 *
 * @example
 * ```ts
 * const check: RetryWhenEmpty = { contents: true, assets: false, categories: true };
 * ```
 */
export type RetryWhenEmpty = boolean | Readonly<Record<string, boolean>>;

/**
 * The `backoff_strategy` of Sequoia's client SDK: how a client retries. Times are in ms.
 *
 * @example
 * ```ts
 * const strategy: BackoffStrategy = { waitGen: 'expo', maxTries: 5, maxTime: 300_000, retryHttpStatusCodes: [404, 409] };
 * ```
 */
export interface BackoffStrategy {
  /** `'constant'` waits `interval`; `'expo'` waits a jittered `factor × 2^(n-1)`. Default `'constant'`. */
  waitGen?: 'constant' | 'expo';
  /** The constant wait. Default 0. */
  interval?: number;
  /** First ceiling of the exponential wait. Default 1 000. */
  factor?: number;
  /** Cap of one exponential wait. Default 60 000. */
  maxValue?: number;
  /** Attempts in all, the first included. Default 10. */
  maxTries?: number;
  /** Budget of the whole call; never unbounded. Default 120 000. */
  maxTime?: number;
  /** More statuses to retry, on top of 408, 429 and 5xx. */
  retryHttpStatusCodes?: readonly number[];
  /** Retry while the expected resources are missing from a 2xx body. Default `false`. */
  retryWhenEmptyResult?: RetryWhenEmpty;
}

/**
 * The SDK's default: constant, no wait, 10 tries.
 *
 * @example
 * ```ts
 * const strategy: BackoffStrategy = { ...DEFAULT_BACKOFF_STRATEGY, retryHttpStatusCodes: [404, 409] };
 * ```
 */
export const DEFAULT_BACKOFF_STRATEGY: Readonly<BackoffStrategy> = Object.freeze({ waitGen: 'constant', interval: 0, maxTries: 10 });

/**
 * Checks a {@link BackoffStrategy} and maps it onto Sluice retry options (without `retryOn`).
 *
 * @example
 * ```ts
 * const options = toRetryOptions({ waitGen: 'constant', interval: 100, maxTries: 3 }); // { limit: 2, backoff: () => 100, ... }
 * ```
 */
export function toRetryOptions(strategy: BackoffStrategy, where = 'backoffStrategy'): Partial<RetryOptions> & { backoff: BackoffFunction } {
  if (strategy === null || typeof strategy !== 'object') throw new TypeError(`${where}: must be an object, got ${String(strategy)}.`);
  const s = { ...DEFAULT_BACKOFF_STRATEGY, ...strategy };
  if (s.waitGen !== 'constant' && s.waitGen !== 'expo') throw new TypeError(`${where}: "waitGen" must be 'constant' or 'expo', got ${String(s.waitGen)}.`);
  for (const key of ['interval', 'factor', 'maxValue', 'maxTime'] as const) {
    const value = s[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
      throw new TypeError(`${where}: "${key}" must be a number of ms ≥ 0, got ${String(value)}.`);
    }
  }
  const maxTries = s.maxTries ?? 10;
  if (!Number.isInteger(maxTries) || maxTries < 1) throw new TypeError(`${where}: "maxTries" must be an integer ≥ 1, got ${String(maxTries)}.`);
  const extra = s.retryHttpStatusCodes ?? [];
  if (!Array.isArray(extra) || extra.some((c) => !Number.isInteger(c) || c < 100 || c > 599)) {
    throw new TypeError(`${where}: "retryHttpStatusCodes" must be an array of HTTP status codes, got ${String(extra)}.`);
  }
  checkRetryWhenEmpty(s.retryWhenEmptyResult, `${where}: "retryWhenEmptyResult"`);
  const interval = s.interval ?? 0;
  return {
    limit: maxTries - 1,
    maxElapsed: s.maxTime ?? 120_000,
    statuses: [...new Set([...DEFAULT_RETRY_STATUSES, ...extra])],
    backoff: s.waitGen === 'expo' ? exponentialBackoff({ base: s.factor ?? 1_000, cap: s.maxValue ?? 60_000 }) : () => interval,
  };
}

/**
 * Throws a `TypeError` unless `value` is a boolean or a record of booleans; `what`
 * names the value in the message.
 *
 * @example
 * ```ts
 * checkRetryWhenEmpty({ contents: true, assets: false }, 'retryWhenEmptyResult'); // passes
 * checkRetryWhenEmpty('yes', 'retryWhenEmptyResult'); // TypeError: retryWhenEmptyResult must be a boolean or a record…
 * ```
 */
export function checkRetryWhenEmpty(value: unknown, what: string): asserts value is RetryWhenEmpty | undefined {
  if (value === undefined || typeof value === 'boolean') return;
  if (value === null || typeof value !== 'object' || Object.values(value).some((v) => typeof v !== 'boolean')) {
    throw new TypeError(`${what} must be a boolean or a record of resource names to booleans, got ${JSON.stringify(value)}.`);
  }
}

/**
 * A `retryOn` predicate that asks for a retry when a 2xx body lacks the expected
 * resources: `body[resource]` for the main one, `body.linked[name]` for inclusions.
 *
 * @example
 * ```ts
 * const retryOn = emptyResultRetryOn('contents', ['assets'], true);
 * ```
 */
export function emptyResultRetryOn(resource: string, inclusions: readonly string[], check: RetryWhenEmpty): RetryOn | undefined {
  const wanted = [resource, ...inclusions].filter((name) => (typeof check === 'boolean' ? check : check[name] === true));
  if (wanted.length === 0) return undefined;
  return async (response) => {
    if (!response.ok) return undefined;
    let body: { linked?: Record<string, unknown> } & Record<string, unknown>;
    try {
      body = (await response.json()) as typeof body;
    } catch {
      return undefined;
    }
    const missing = wanted.some((name) => {
      const value = name === resource ? body?.[name] : body?.linked?.[name];
      return !Array.isArray(value) || value.length === 0;
    });
    return missing ? true : undefined;
  };
}
