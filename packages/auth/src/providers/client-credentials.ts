import type { FetchLike } from '@sluice/core';
import { normalizeToken, type Token, type TokenProvider } from '../token/token.js';
import type { ClientAuthOptions } from './client-auth.js';
import { grantSetup } from './grant-setup.js';
import { checkKeys, type OptionKeys } from '@sluice/core';
import { CLIENT_AUTH_KEYS } from '../middleware/option-keys.js';
import { callTokenEndpoint } from './token-endpoint.js';

/**
 * Options of {@link clientCredentials}.
 *
 * @example
 * ```ts
 * const options: ClientCredentialsOptions = {
 *   tokenUrl: 'https://auth.example.com/oauth/token',
 *   clientId: 'svc',
 *   clientSecret: 'secret',
 *   scope: ['read', 'write'],
 * };
 * ```
 */
export interface ClientCredentialsOptions extends ClientAuthOptions {
  /** The token endpoint, e.g. `'https://auth.example.com/oauth/token'`. */
  tokenUrl: string | URL;
  /** Space-joined when an array. */
  scope?: string | readonly string[] | undefined;
  /** Sent as `audience` (Auth0 and others). */
  audience?: string | undefined;
  /** More form fields for the token call. */
  extraParams?: Readonly<Record<string, string>> | undefined;
  /**
   * A token you already have (the `byo_token` of Sequoia's client SDK): used until it expires
   * (`expiresAt`, or its JWT `exp`), then the grant takes over.
   */
  initialToken?: string | Token | undefined;
  /** The fetch for token calls. Default: the terminal fetch the auth middleware passes. */
  fetch?: FetchLike | undefined;
  /** Epoch-ms clock for `expires_in` and assertions. Default `Date.now()`. */
  clock?: (() => number) | undefined;
}

/**
 * The OAuth2 client-credentials grant (RFC 6749 §4.4) as a {@link TokenProvider}, with
 * `client_secret_basic` (default), `client_secret_post` or `private_key_jwt` (RFC 7523,
 * signed with jose) client authentication. Its store key is built from the token URL,
 * client id, scope and audience.
 *
 * @example
 * ```ts
 * const auth = tokenAuth(
 *   clientCredentials({ tokenUrl: 'https://auth.example.com/oauth/token', clientId: 'svc', clientSecret: 'secret' }),
 *   { origins: ['https://api.example.com'] },
 * );
 * ```
 */
export function clientCredentials(options: ClientCredentialsOptions): TokenProvider {
  if (options && typeof options === 'object') checkKeys('clientCredentials(options)', options, CLIENT_CREDENTIALS_KEYS);
  if (options && typeof options === 'object' && options.authMethod === undefined && options.clientSecret === undefined && options.privateKey === undefined) {
    // A client-credentials call without client authentication is rare: it must be asked for.
    throw new TypeError(`clientCredentials(options): give "clientSecret" or "privateKey", or spell out authMethod: 'none' to send the token call without client authentication.`);
  }
  const { tokenUrl, scope, clock, authenticate } = grantSetup(options, 'clientCredentials(options)');
  let initial = options.initialToken === undefined ? undefined : normalizeToken(typeof options.initialToken === 'string' ? { accessToken: options.initialToken } : options.initialToken);

  const grant: TokenProvider['getToken'] = async (context) => {
    initial = undefined;
    const params = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) params.set('scope', scope);
    if (options.audience) params.set('audience', options.audience);
    for (const [name, value] of Object.entries(options.extraParams ?? {})) params.set(name, value);
    const headers = new Headers();
    const secrets = await authenticate(params, headers);
    const { scope: _granted, ...token } = await callTokenEndpoint({ tokenUrl, params, headers, secrets, fetch: options.fetch, clock }, context);
    return token;
  };
  return {
    key: `oauth2:client_credentials|${tokenUrl}|${options.clientId}|${scope ?? ''}|${options.audience ?? ''}`,
    getToken(context) {
      if (initial && (initial.expiresAt === undefined || initial.expiresAt > clock())) return initial;
      return grant(context);
    },
    refresh: (_current, context) => grant(context),
  };
}

// Object.assign, not a spread: a pure-annotated call is dropped from an app that never uses it (a spread is not).
const CLIENT_CREDENTIALS_KEYS: OptionKeys<ClientCredentialsOptions> = /* @__PURE__ */ Object.assign({}, CLIENT_AUTH_KEYS, {
  tokenUrl: true,
  scope: true,
  audience: true,
  extraParams: true,
  initialToken: true,
  fetch: true,
  clock: true,
} as const);
