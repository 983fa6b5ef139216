import type { FetchLike } from '@sluice/core';
import { AuthError } from '@sluice/core';
import type { TokenProvider } from '../token/token.js';
import type { ClientAuthOptions } from './client-auth.js';
import { grantSetup } from './grant-setup.js';
import { checkKeys, type OptionKeys } from '@sluice/core';
import { CLIENT_AUTH_KEYS } from '../middleware/option-keys.js';
import { callTokenEndpoint } from './token-endpoint.js';

/**
 * Options of {@link refreshTokenGrant}.
 *
 * @example
 * ```ts
 * const options: RefreshTokenGrantOptions = {
 *   tokenUrl: 'https://auth.example.com/oauth/token',
 *   clientId: 'app',
 *   refreshToken: 'rt-1',
 *   onRefreshToken: (token) => localStorage.setItem('rt', token),
 * };
 * ```
 */
export interface RefreshTokenGrantOptions extends ClientAuthOptions {
  /** The token endpoint, e.g. `'https://auth.example.com/oauth/token'`. */
  tokenUrl: string | URL;
  /** The refresh token to start with. */
  refreshToken: string;
  /** The scope to ask for on each refresh; space-joined when an array. Default: none sent. */
  scope?: string | readonly string[] | undefined;
  /** Called with every new refresh token the server rotates in; persist it here. */
  onRefreshToken?: ((refreshToken: string) => void | Promise<void>) | undefined;
  /**
   * Whose tokens these are (a user id): part of the store key, so that two users of one
   * app sharing a store never read each other's tokens. Default: a short hash of the
   * initial refresh token (never the token itself).
   */
  subject?: string | undefined;
  /** The fetch for token calls. Default: the terminal fetch the auth middleware passes. */
  fetch?: FetchLike | undefined;
  /** Epoch-ms clock for `expires_in` and assertions. Default `Date.now()`. */
  clock?: (() => number) | undefined;
}

/**
 * The OAuth2 refresh-token grant (RFC 6749 §6) as a {@link TokenProvider}. When the
 * server rotates refresh tokens, the new one replaces the old (kept on the token in the
 * store, and passed to `onRefreshToken`); when it does not, the old one is kept.
 *
 * @example
 * ```ts
 * const auth = tokenAuth(
 *   refreshTokenGrant({ tokenUrl: 'https://auth.example.com/oauth/token', clientId: 'app', refreshToken: 'rt-1' }),
 *   { origins: ['https://api.example.com'] },
 * );
 * ```
 */
export function refreshTokenGrant(options: RefreshTokenGrantOptions): TokenProvider {
  const where = 'refreshTokenGrant(options)';
  if (options && typeof options === 'object') checkKeys(where, options, REFRESH_TOKEN_GRANT_KEYS);
  const { tokenUrl, scope, clock, authenticate } = grantSetup(options, where);
  if (typeof options.refreshToken !== 'string' || options.refreshToken === '') throw new TypeError(`${where}: "refreshToken" must be a non-empty string.`);
  let latest = options.refreshToken;

  const redeem = async (refreshToken: string, context: Parameters<TokenProvider['getToken']>[0]) => {
    const params = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
    if (scope) params.set('scope', scope);
    const headers = new Headers();
    const secrets = [refreshToken, encodeURIComponent(refreshToken), ...(await authenticate(params, headers))];
    const { scope: _granted, ...token } = await callTokenEndpoint({ tokenUrl, params, headers, secrets, fetch: options.fetch, clock }, context);
    if (token.refreshToken && token.refreshToken !== refreshToken) {
      latest = token.refreshToken;
      try {
        await options.onRefreshToken?.(token.refreshToken);
      } catch (error) {
        throw new AuthError(`refreshTokenGrant: onRefreshToken failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    }
    return { ...token, refreshToken: token.refreshToken ?? refreshToken };
  };
  return {
    key: `oauth2:refresh_token|${tokenUrl}|${options.clientId}|${scope ?? ''}|${options.subject ?? fingerprint(options.refreshToken)}`,
    getToken: (context) => redeem(latest, context),
    refresh: (current, context) => redeem(current?.refreshToken ?? latest, context),
  };
}

/** A short FNV-1a hash: tells refresh tokens apart in a store key without revealing them. */
function fingerprint(value: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `rt-${(hash >>> 0).toString(16).padStart(8, '0')}`;
}

// Object.assign, not a spread: a pure-annotated call is dropped from an app that never uses it (a spread is not).
const REFRESH_TOKEN_GRANT_KEYS: OptionKeys<RefreshTokenGrantOptions> = /* @__PURE__ */ Object.assign({}, CLIENT_AUTH_KEYS, {
  tokenUrl: true,
  refreshToken: true,
  subject: true,
  scope: true,
  onRefreshToken: true,
  fetch: true,
  clock: true,
} as const);
