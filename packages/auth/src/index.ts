export {
  type AuthBinding,
  type AuthEnv,
  type AuthMiddleware,
  type AuthMiddlewareOptions,
  type AuthScheme,
  createAuthMiddleware,
  type RecoverVerdict,
} from './middleware/auth-middleware.js';
export type { AuthScopeOptions } from './credentials/scope.js';
export type { SecretSource } from './credentials/secret-value.js';
export {
  bearer,
  type BearerOptions,
} from './middleware/bearer.js';
export {
  basic,
  type BasicOptions,
} from './middleware/basic.js';
export {
  digest,
  type DigestOptions,
} from './middleware/digest.js';
export {
  apiKey,
  type ApiKeyOptions,
} from './middleware/api-key.js';
export {
  noAuth,
} from './middleware/no-auth.js';
export {
  tokenAuth,
  type TokenAuthMiddleware,
  type TokenAuthOptions,
} from './middleware/token-auth.js';
export {
  isExpiring,
  type Token,
  type TokenProvider,
  type TokenRequestContext,
} from './token/token.js';
export { refreshable } from './token/challenge.js';
export type { ClientAuthMethod, ClientAuthOptions, PrivateKeyInput } from './providers/client-auth.js';
export { type ClientCredentialsOptions, clientCredentials } from './providers/client-credentials.js';
export {
  refreshTokenGrant,
  type RefreshTokenGrantOptions,
} from './providers/refresh-token-grant.js';
export {
  staticToken,
} from './providers/static-token.js';
export {
  memoryStore,
  type TokenStore,
} from './stores/token-store.js';
export {
  type StorageLike,
  webStorageStore,
  type WebStorageStoreOptions,
} from './stores/web-storage.js';
export {
  defaultTokenLock,
  inProcessLock,
  type TokenLock,
  type TokenLockRunOptions,
  webLocksLock,
} from './stores/lock.js';
