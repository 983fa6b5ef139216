// The public face of @sluice/core: every name is listed, so that internals (assertUniqueNames,
// the bucket fit, the adaptive rate's factory, the strategies' URL helpers, ...) stay out.
export { type ComposeOptions, compose, freshRequest } from './compose.js';
export { checkKeys, checkNumber, checkOneOf, type NumberRule, type OptionKeys, optionError } from './check.js';
export type {
  AttemptAdmission,
  CircuitState,
  Context,
  ContextState,
  CorrelationScope,
  EventBase,
  EventInput,
  EventListener,
  FetchLike,
  Middleware,
  MiddlewareList,
  Next,
  Redaction,
  RequestOptions,
  SluiceEvent,
  SluiceEvents,
  SluiceFetch,
  SluiceRequestInit,
  TimeoutOptions,
  ThrowHttpErrors,
  TimeoutValue,
} from './types/index.js';
export {
  AuthError,
  NetworkError,
  QueueFullError,
  ResponseParseError,
  ResponseValidationError,
  SluiceError,
  type SluiceErrorOptions,
  TimeoutError,
  type ValidationIssue,
} from './errors.js';
export { CircuitOpenError, NotReplayableError, PaginationError } from './refusal-errors.js';
export {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  HttpError,
  type HttpErrorInit,
  NotFoundError,
  RateLimitError,
  ServerError,
  UnauthorizedError,
} from './status-errors.js';
export {
  addSecretNames,
  addSecrets,
  createRedaction,
  DEFAULT_SECRET_NAMES,
  REDACTED,
  redactUrlInError,
  type ResponseSecrets,
  secretsOf,
} from './secrets/index.js';
export {
  canReplay,
  cloneForReplay,
} from './replay.js';
export {
  stack,
  Stack,
} from './stack.js';
export { errors, type ErrorsOptions } from './middleware/errors.js';
export { isNetworkFailure, scrubText, toHttpError, type ToHttpErrorOptions } from './http-error.js';
export {
  correlationId,
  type CorrelationIdOptions,
  newCorrelationId,
  withOperation,
} from './middleware/correlation-id.js';
export {
  observe,
  type ObserveOptions,
  type Timing,
  timingOf,
} from './middleware/observe.js';
export {
  timeout,
} from './middleware/timeout.js';
export {
  DEFAULT_RETRY_METHODS,
  DEFAULT_RETRY_STATUSES,
  retry,
  type RetryOn,
  type RetryOptions,
  type RetrySleep,
} from './middleware/retry.js';
import './middleware/retry-request-option.js';
export {
  concurrency,
  type ConcurrencyMiddleware,
  type ConcurrencyOptions,
  type ConcurrencyStats,
} from './middleware/concurrency.js';
export {
  parseRetryAfter,
  quotaExhausted,
  serverDelay,
} from './retry/retry-after.js';
export {
  type BackoffFunction,
  DEFAULT_BACKOFF_BASE,
  DEFAULT_BACKOFF_CAP,
  exponentialBackoff,
  type ExponentialBackoffOptions,
} from './retry/backoff.js';
export {
  createRetryBudget,
  type RetryBudget,
  type RetryBudgetOptions,
  type RetryCostKind,
} from './retry/budget.js';
export {
  createRateGate,
  type RateGate,
  type RateGateClock,
  type RateGateOptions,
} from './rate-limit/gate.js';
export type {
  AdaptiveRate,
  AdaptiveRateOptions,
} from './rate-limit/adaptive-rate.js';
export {
  type AnnouncedQuota,
  parseAnnouncedQuota,
} from './rate-limit/announced-quota.js';
export {
  createMemorySchedulerStore,
  type SchedulerStateStore,
  type SchedulerStateUpdate,
} from './rate-limit/store.js';
export type { SentTicket } from './rate-limit/quota-ledger.js';
export {
  type AllOptions,
  cursor,
  type CursorOptions,
  type ItemsSelector,
  linkHeader,
  type LinkHeaderOptions,
  type LinkValue,
  nextUrl,
  type NextUrlOptions,
  offset,
  type OffsetOptions,
  type Page,
  pageNumber,
  type PageNumberOptions,
  type PageState,
  paginate,
  type PaginateFetch,
  type PaginateOptions,
  type PaginateSource,
  type PaginationEvent,
  type PaginationStrategy,
  type Paginator,
  parseLinkHeader,
  skipTake,
  type SkipTakeOptions,
} from './pagination/paginate.js';
export { DEFAULT_DEDUPE_HEADERS, dedupe, type DedupeKey, type DedupeOptions } from './middleware/dedupe.js';
export { announceCredentialSource, type CredentialSource, CredentialWatch, NO_CREDENTIAL, UNLEARNED } from './credential-identity.js';
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
