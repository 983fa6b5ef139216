import { checkKeys, type OptionKeys } from '@sluice/core';
import type { ClientCredentialsOptions } from '../providers/client-credentials.js';
import type { RefreshTokenGrantOptions } from '../providers/refresh-token-grant.js';
import type { ClientAuthOptions } from '../providers/client-auth.js';
import type { ApiKeyOptions } from './api-key.js';
import type { AuthMiddlewareOptions } from './auth-middleware.js';
import type { DigestOptions } from './digest.js';
import type { TokenAuthOptions } from './token-auth.js';

/*
 * Internal: the known option keys of every auth factory, checked by the compiler against
 * the option types, so a typo (`orgins`, `skwMs`) fails at creation instead of being ignored.
 */

const AUTH_KEYS: OptionKeys<AuthMiddlewareOptions> = { baseUrl: true, origins: true, fetch: true };

const CLIENT_AUTH_KEYS: OptionKeys<ClientAuthOptions> = {
  clientId: true,
  clientSecret: true,
  authMethod: true,
  privateKey: true,
  algorithm: true,
  keyId: true,
  assertionAudience: true,
};

const KEYS = {
  bearer: AUTH_KEYS,
  basic: AUTH_KEYS,
  apiKey: { ...AUTH_KEYS, value: true, header: true, query: true } satisfies OptionKeys<ApiKeyOptions>,
  digest: { ...AUTH_KEYS, cnonce: true } satisfies OptionKeys<DigestOptions>,
  tokenAuth: { ...AUTH_KEYS, skewMs: true, store: true, key: true, lock: true, tokenTimeoutMs: true, clock: true } satisfies OptionKeys<TokenAuthOptions>,
  clientCredentials: {
    ...CLIENT_AUTH_KEYS,
    tokenUrl: true,
    scope: true,
    audience: true,
    extraParams: true,
    initialToken: true,
    fetch: true,
    clock: true,
  } satisfies OptionKeys<ClientCredentialsOptions>,
  refreshTokenGrant: {
    ...CLIENT_AUTH_KEYS,
    tokenUrl: true,
    refreshToken: true,
    subject: true,
    scope: true,
    onRefreshToken: true,
    fetch: true,
    clock: true,
  } satisfies OptionKeys<RefreshTokenGrantOptions>,
} as const;

/** Refuses an option key that `factory` does not know, naming the closest known one. */
export function checkAuthKeys(factory: keyof typeof KEYS, where: string, options: object): void {
  checkKeys(where, options, KEYS[factory]);
}

/** Refuses options that are not an object (`null`, a string) with a `TypeError`. */
export function checkOptionsObject(options: unknown, where: string): asserts options is object {
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object, got ${options === null ? 'null' : typeof options}.`);
}
