// The contract types, in a leaf folder: nothing here imports from outside types/.
export type {
  Context,
  ContextState,
  CorrelationScope,
  Middleware,
  Next,
  RequestOptions,
  ThrowHttpErrors,
} from './context.js';
export type { AttemptAdmission } from './admission.js';
export type { CircuitState, EventBase, EventInput, EventListener, SluiceEvent, SluiceEvents } from './events.js';
export type { FetchLike, MiddlewareList, SluiceFetch, SluiceRequestInit } from './fetch.js';
export type { Redaction } from './redaction.js';
export type { TimeoutOptions, TimeoutValue } from './timeout.js';
