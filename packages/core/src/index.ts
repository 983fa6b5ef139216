// Named, so that the internal assertUniqueNames (used by stack.ts) stays out of the public API.
export { type ComposeOptions, compose, type FetchLike, type SluiceFetch, type SluiceRequestInit } from './compose.js';
export * from './context.js';
export * from './discard.js';
export * from './errors.js';
export * from './redact.js';
export * from './replay.js';
export * from './sleep.js';
export * from './stack.js';
export * from './middleware/errors.js';
export * from './middleware/correlation-id.js';
export * from './middleware/observe.js';
export * from './middleware/timeout.js';
export * from './middleware/retry.js';
export * from './middleware/concurrency.js';
export * from './retry/retry-after.js';
export * from './retry/backoff.js';
export * from './retry/budget.js';
export * from './rate-limit/gate.js';
export * from './rate-limit/adaptive-rate.js';
export * from './rate-limit/bucket-fit.js';
export * from './rate-limit/announced-quota.js';
export * from './rate-limit/store.js';
export type { SentTicket } from './rate-limit/quota-ledger.js';
export * from './pagination/paginate.js';
export { DEFAULT_DEDUPE_HEADERS, dedupe, type DedupeKey, type DedupeOptions } from './middleware/dedupe.js';
export {
  type CircuitBreakerOptions,
  type CircuitChange,
  type CircuitOutcome,
  circuitBreaker,
  defaultIsFailure,
} from './middleware/circuit-breaker.js';
export {
  type BreakerCounter,
  type BreakerPolicy,
  type ConsecutiveBreakerOptions,
  consecutiveBreaker,
  type SamplingBreakerOptions,
  samplingBreaker,
} from './circuit/breakers.js';
export { type RateLimitOptions, rateLimit } from './middleware/rate-limit.js';
