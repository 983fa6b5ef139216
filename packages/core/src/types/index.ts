// The contract types, in a leaf folder: nothing here imports from outside types/.
export type {
  AttemptAdmission,
  CircuitState,
  Context,
  ContextState,
  CorrelationScope,
  EventBase,
  EventInput,
  EventListener,
  Middleware,
  Next,
  RequestOptions,
  SluiceEvent,
  SluiceEvents,
  ThrowHttpErrors,
} from './context.js';
export type { FetchLike, MiddlewareList, SluiceFetch, SluiceRequestInit } from './fetch.js';
export type { Redaction } from './redaction.js';
export type { TimeoutOptions, TimeoutValue } from './timeout.js';
