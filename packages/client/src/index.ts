export {
  type ClientCall,
  type ClientMethod,
  createClient,
  type SluiceClient,
} from './create-client.js';
export {
  dispatcherFetch,
  type UndiciFetch,
} from './dispatcher-fetch.js';
export type {
  ClientOptions,
  MiddlewarePlacement,
  TimeoutPhases,
} from './options.js';
export type { ClientRequestOptions, KyCallOptions } from './request-options.js';
export {
  DEFAULT_TIMEOUT,
  standardStack,
} from './standard-stack.js';
// Loads @sluice/auth's `auth` per-request option (declaration merging) for client users.
export type { AuthMiddleware } from '@sluice/auth';
