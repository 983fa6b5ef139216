export { type HandlerSet, toHandlers } from './handler-set.js';
export {
  rateLimitedApi,
  type RateLimitedApi,
  type RateLimitedApiOptions,
  type RateLimitHeaderStyle,
  type RateLimitStats,
} from './rate-limited-api.js';
export {
  type FaultKind,
  flakyApi,
  type FlakyApi,
  type FlakyApiOptions,
  type FlakyFailure,
  type FlakyOutcome,
} from './flaky-api.js';
export {
  paginatedCollection,
  type PaginatedCollection,
  type PaginatedCollectionOptions,
  type PaginationStyle,
} from './paginated-collection.js';
export {
  type RecordedRequest,
  recorder,
  type Recorder,
  type RecorderOptions,
} from './recorder.js';
export {
  type OAuthClient,
  type OAuthClientAuthMethod,
  type OAuthGuardOptions,
  oauthServer,
  type OAuthServer,
  type OAuthServerOptions,
  type OAuthServerStats,
  type OAuthVerification,
} from './oauth-server.js';
