import type { OptionKeys } from '@sluice/core';
import type { ClientAuthOptions } from '../providers/client-auth.js';
import type { AuthMiddlewareOptions } from './auth-middleware.js';

/*
 * Internal: the option keys shared by the auth factories. Each factory spreads them into
 * its own key list, which the compiler checks against its option type, so a typo
 * (`orgins`, `skwMs`) fails at creation instead of being ignored.
 */

/** The keys of {@link AuthMiddlewareOptions}. */
export const AUTH_KEYS: OptionKeys<AuthMiddlewareOptions> = { baseUrl: true, origins: true, fetch: true };

/** The keys of {@link ClientAuthOptions}. */
export const CLIENT_AUTH_KEYS: OptionKeys<ClientAuthOptions> = {
  clientId: true,
  clientSecret: true,
  authMethod: true,
  privateKey: true,
  algorithm: true,
  keyId: true,
  assertionAudience: true,
};

/** Refuses options that are not an object (`null`, a string) with a `TypeError`. */
export function checkOptionsObject(options: unknown, where: string): asserts options is object {
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object, got ${options === null ? 'null' : typeof options}.`);
}
