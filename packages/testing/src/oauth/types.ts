import type { CryptoKey, JSONWebKeySet, JWK, JWTPayload } from 'jose';
import type { HandlerSet } from '../handler-set.js';

/**
 * How a client authenticates at the token endpoint.
 *
 * @example
 * ```ts
 * const authMethods: OAuthClientAuthMethod[] = ['client_secret_post'];
 * const oauth = oauthServer({ clients: [{ clientId: 'svc', clientSecret: 's', authMethods }] });
 * ```
 */
export type OAuthClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/**
 * A client the simulated server knows.
 *
 * @example
 * ```ts
 * const client: OAuthClient = { clientId: 'svc', clientSecret: 'secret', scopes: ['read'] };
 * ```
 */
export interface OAuthClient {
  /** The client's id, as sent in `client_id`, Basic auth or an assertion's `iss`. */
  clientId: string;
  /** Enables `client_secret_basic` and `client_secret_post`. */
  clientSecret?: string;
  /** Enables `private_key_jwt`: an SPKI PEM, a public JWK or a `CryptoKey`. */
  publicKey?: string | JWK | CryptoKey;
  /** The algorithm of a PEM `publicKey`. Default `RS256`. */
  algorithm?: string;
  /** The methods this client may use. Default: every one it has material for (`none` when it has none). */
  authMethods?: readonly OAuthClientAuthMethod[];
  /** Scopes it may ask for. Default: any. */
  scopes?: readonly string[];
}

/**
 * Options of {@link oauthServer}.
 *
 * @example
 * ```ts
 * const options: OAuthServerOptions = { clients: [{ clientId: 'svc', clientSecret: 's' }], ttlSeconds: 60, revokeOnIssue: true };
 * ```
 */
export interface OAuthServerOptions {
  /** The issuer URL; the token endpoint lives under it. Default `https://auth.example.test`. */
  issuer?: string;
  /** Path of the token endpoint. Default `/oauth/token`. */
  tokenPath?: string;
  /** Lifetime of access tokens, in seconds. Default 3600. */
  ttlSeconds?: number;
  /** The clients the server knows (at least one). */
  clients: readonly OAuthClient[];
  /** Refresh tokens valid from the start, each mapped to its client id. */
  refreshTokens?: Readonly<Record<string, string>>;
  /** Issue a refresh token with every access token, and rotate it on use (the old one dies). Default `false`. */
  issueRefreshTokens?: boolean;
  /** Each new access token of a client revokes its older ones. Default `false`. */
  revokeOnIssue?: boolean;
  /** How long the token endpoint takes to answer, in ms (a timer: fake timers control it; it ends when the request is aborted). A finite number >= 0. Default 0. */
  tokenDelayMs?: number;
  /** The clock in epoch ms. Default `Date.now()` (which vitest's fake timers control). */
  now?: () => number;
}

/**
 * The counters of an {@link OAuthServer}.
 *
 * @example
 * ```ts
 * const oauth = oauthServer({ clients: [{ clientId: 'svc', clientSecret: 's' }] });
 * // ...after the test's requests:
 * const { tokenCalls, issued }: OAuthServerStats = oauth.stats;
 * expect(tokenCalls).toBe(1);
 * ```
 */
export interface OAuthServerStats {
  /** Every request to the token endpoint, failed ones included. */
  tokenCalls: number;
  /** Access tokens issued. */
  issued: number;
  /** 401s and 403s the guarded handlers answered. */
  rejected: number;
  /** Requests the guarded handlers let through. */
  accepted: number;
}

/**
 * Options of {@link OAuthServer.guard} and {@link OAuthServer.verify}: what the access
 * token must allow.
 *
 * @example
 * ```ts
 * const writeOnly: OAuthGuardOptions = { scope: 'write' };
 * const handler = http.post('https://api.example.test/items', oauth.guard(() => HttpResponse.json({ ok: true }), writeOnly));
 * ```
 */
export interface OAuthGuardOptions {
  /** A scope the token must hold; without it the answer is 403 `insufficient_scope`. */
  scope?: string;
}

/**
 * The verdict of {@link OAuthServer.verify}.
 *
 * @example
 * ```ts
 * const handler = http.get('https://api.example.test/me', async ({ request }) => {
 *   const verdict: OAuthVerification = await oauth.verify(request);
 *   return verdict.ok ? HttpResponse.json({ sub: verdict.claims.sub }) : verdict.response;
 * });
 * ```
 */
export type OAuthVerification =
  | {
      /** The token is valid. */
      ok: true;
      /** The token's verified JWT claims. */
      claims: JWTPayload;
    }
  | {
      /** The token is missing, invalid, expired, revoked or lacks a scope. */
      ok: false;
      /** The 401 or 403 (with `WWW-Authenticate`) to answer. */
      response: Response;
    };

/**
 * A simulated OAuth2 authorization server (see {@link oauthServer}).
 *
 * @example
 * ```ts
 * const oauth: OAuthServer = oauthServer({ clients: [{ clientId: 'svc', clientSecret: 's' }] });
 * console.log(oauth.tokenUrl, oauth.stats.tokenCalls);
 * ```
 */
export interface OAuthServer extends HandlerSet {
  /** The issuer URL, without a trailing slash: the `iss` and `aud` of its tokens. */
  readonly issuer: string;
  /** The token endpoint's URL. */
  readonly tokenUrl: string;
  /** The URL of the server's JWKS (`/.well-known/jwks.json` under the issuer). */
  readonly jwksUrl: string;
  /** Live counters. */
  readonly stats: Readonly<OAuthServerStats>;
  /** Wraps an msw resolver so it answers only requests with a valid access token. */
  guard<
    Info extends {
      /** The request msw passes to the resolver. */
      request: Request;
    },
  >(
    resolver: (info: Info) => Response | Promise<Response>,
    options?: OAuthGuardOptions,
  ): (info: Info) => Promise<Response>;
  /** Checks a request's bearer token: the claims, or the 401/403 to answer. */
  verify(request: Request, options?: OAuthGuardOptions): Promise<OAuthVerification>;
  /** Mints an access token directly (a "bring your own token"), optionally with its own TTL. */
  issueToken(clientId: string, options?: { ttlSeconds?: number; scope?: string }): Promise<string>;
  /** Revokes one access token, or all issued so far. */
  revoke(accessToken?: string): void;
  /** The next `count` token calls fail with `status` (an integer 100–599, default 500) and `body`. */
  failNext(count: number, status?: number, body?: unknown): void;
  /** Sets the access-token lifetime for tokens issued from now on. */
  setTtl(ttlSeconds: number): void;
  /** The server's public keys. */
  jwks(): Promise<JSONWebKeySet>;
  /** Zeroes the counters and forgets failures, revocations (`revokeOnIssue`'s too) and used assertion `jti`s (keys, clients and refresh tokens stay). */
  reset(): void;
}
