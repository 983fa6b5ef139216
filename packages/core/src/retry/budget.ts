import { checkKeys, checkNumber, type OptionKeys } from '../check.js';

/**
 * The retry budget: a token bucket shared by every request of a client, so that a
 * failing service is not hit by a retry storm (AWS SDK's "standard" retry mode).
 */

/**
 * What the failed attempt was: an HTTP response, an attempt timeout or a network error.
 *
 * @example
 * ```ts
 * const kind: RetryCostKind = error instanceof NetworkError ? 'network' : 'response';
 * const allowed = createRetryBudget().tryWithdraw(kind);
 * ```
 */
export type RetryCostKind = 'response' | 'timeout' | 'network';

/**
 * Options of {@link createRetryBudget}.
 *
 * @example
 * ```ts
 * const options: RetryBudgetOptions = { capacity: 100, retryCost: 5, timeoutCost: 10 };
 * ```
 */
export interface RetryBudgetOptions {
  /** Tokens in a full bucket (it starts full). Default 500. */
  capacity?: number;
  /** Tokens one retry after an HTTP response costs. Default 5. */
  retryCost?: number;
  /** Tokens one retry after an attempt timeout or a network error costs. Default 10. */
  timeoutCost?: number;
  /** Tokens a success that needed no retry gives back, up to capacity. Default 1. */
  successRefund?: number;
}

/**
 * A token bucket that pays for retries.
 *
 * @example
 * ```ts
 * const budget = createRetryBudget();
 * if (budget.tryWithdraw('network')) console.log('retry allowed, left:', budget.available);
 * ```
 */
export interface RetryBudget {
  /** Tokens in a full bucket. */
  readonly capacity: number;
  /** Tokens left now. */
  readonly available: number;
  /** Takes the cost of one retry; `false` (and nothing taken) when too few tokens are left. */
  tryWithdraw(kind: RetryCostKind): boolean;
  /** Records a success that needed no retry: gives back `successRefund` tokens, up to capacity. */
  recordSuccess(): void;
}

/**
 * Makes a retry budget: capacity 500, a retry costs 5, a retry after a timeout or
 * network error costs 10, a success with no retry refunds 1.
 *
 * @example
 * ```ts
 * const shared = createRetryBudget({ capacity: 200 });
 * const a = retry({ retryBudget: shared });
 * const b = retry({ retryBudget: shared }); // both clients draw from one bucket
 * ```
 */
export function createRetryBudget(options: RetryBudgetOptions = {}): RetryBudget {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`createRetryBudget: options must be an object, got ${options === null ? 'null' : typeof options}.`);
  }
  checkKeys('createRetryBudget', options, BUDGET_KEYS);
  const capacity = amount('capacity', options.capacity, 500);
  const retryCost = amount('retryCost', options.retryCost, 5);
  const timeoutCost = amount('timeoutCost', options.timeoutCost, 10);
  const successRefund = amount('successRefund', options.successRefund, 1);
  let available = capacity;
  return {
    capacity,
    get available() {
      return available;
    },
    tryWithdraw(kind) {
      const cost = kind === 'response' ? retryCost : timeoutCost;
      if (cost > available) return false;
      available -= cost;
      return true;
    },
    recordSuccess() {
      available = Math.min(capacity, available + successRefund);
    },
  };
}

/**
 * Whether `value` is a {@link RetryBudget} (rather than its options).
 *
 * @example
 * ```ts
 * isRetryBudget(createRetryBudget()); // true
 * isRetryBudget({ capacity: 100 }); // false: options, not a budget
 * ```
 */
export function isRetryBudget(value: unknown): value is RetryBudget {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RetryBudget).tryWithdraw === 'function' &&
    typeof (value as RetryBudget).recordSuccess === 'function'
  );
}

function amount(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return checkNumber('createRetryBudget', name, value);
}

/** Every key of {@link RetryBudgetOptions}. */
const BUDGET_KEYS: OptionKeys<RetryBudgetOptions> = { capacity: true, retryCost: true, timeoutCost: true, successRefund: true };
