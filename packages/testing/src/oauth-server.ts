import {
  type CryptoKey,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  importJWK,
  importSPKI,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { sleep } from '@sluice/core';
import { HttpResponse, http } from 'msw';
import type { HandlerSet } from './handler-set.js';

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

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const AUTH_METHODS: readonly OAuthClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];

/**
 * A simulated OAuth2 server as msw handlers: a token endpoint (client credentials and
 * refresh-token grants) issuing real ES256 JWTs signed with jose, with a configurable
 * TTL; it verifies `client_secret_basic`, `client_secret_post` and `private_key_jwt`
 * (jose `jwtVerify`, RFC 7523 claims, one-time `jti`). Protected handlers made with
 * `guard` answer 401 `invalid_token` once a token expired or was revoked (with
 * `revokeOnIssue`, every new token revokes the client's older ones). It counts token
 * calls.
 *
 * @example
 * ```ts
 * import { http, HttpResponse } from 'msw';
 * import { setupServer } from 'msw/node';
 *
 * const oauth = oauthServer({ clients: [{ clientId: 'svc', clientSecret: 'secret' }], ttlSeconds: 60 });
 * const server = setupServer(
 *   ...oauth.handlers,
 *   http.get('https://api.example.test/items', oauth.guard(() => HttpResponse.json([1, 2]))),
 * );
 * ```
 */
export function oauthServer(options: OAuthServerOptions): OAuthServer {
  if (!options || !Array.isArray(options.clients) || options.clients.length === 0) {
    throw new TypeError('oauthServer(options): "clients" must be a non-empty array of { clientId, … }.');
  }
  const issuer = (options.issuer ?? 'https://auth.example.test').replace(/\/$/, '');
  if (!/^https?:\/\//.test(issuer)) throw new TypeError(`oauthServer(options): "issuer" must be an http(s) URL, got ${JSON.stringify(issuer)}.`);
  const tokenUrl = new URL(options.tokenPath ?? '/oauth/token', `${issuer}/`).href;
  const jwksUrl = new URL('/.well-known/jwks.json', `${issuer}/`).href;
  let ttlSeconds = positive(options.ttlSeconds ?? 3600, 'ttlSeconds');
  const tokenDelayMs = options.tokenDelayMs ?? 0;
  if (typeof tokenDelayMs !== 'number' || !Number.isFinite(tokenDelayMs) || tokenDelayMs < 0) {
    throw new TypeError(`oauthServer(options): "tokenDelayMs" must be a finite number >= 0, got ${String(tokenDelayMs)}.`);
  }
  const now = options.now ?? (() => Date.now());
  const clients = new Map<string, OAuthClient>();
  /** The auth methods each client may use, computed once. */
  const allowedMethods = new Map<string, readonly OAuthClientAuthMethod[]>();
  for (const client of options.clients) {
    if (typeof client?.clientId !== 'string' || client.clientId === '') throw new TypeError('oauthServer(options): every client needs a non-empty "clientId".');
    clients.set(client.clientId, client);
    allowedMethods.set(client.clientId, authMethodsOf(client));
  }

  const stats: OAuthServerStats = { tokenCalls: 0, issued: 0, rejected: 0, accepted: 0 };
  /** jti of every revoked access token: by `revoke()` or, with `revokeOnIssue`, by a newer token of the same client. */
  const revoked = new Set<string>();
  const usedAssertions = new Set<string>();
  const refreshTokens = new Map<string, { clientId: string; scope: string | undefined; used: boolean }>();
  for (const [token, clientId] of Object.entries(options.refreshTokens ?? {})) refreshTokens.set(token, { clientId, scope: undefined, used: false });
  let failures: { count: number; status: number; body: unknown } = { count: 0, status: 500, body: undefined };
  /** jti → client id of every access token issued. */
  const issuedJtis = new Map<string, string>();

  let signing: Promise<{ privateKey: CryptoKey; publicKey: CryptoKey }> | undefined;
  const keys = () => {
    signing ??= generateKeyPair('ES256', { extractable: true });
    return signing;
  };
  const clientKeys = new Map<string, Promise<CryptoKey | Uint8Array>>();
  const clientKey = (client: OAuthClient) => {
    let key = clientKeys.get(client.clientId);
    if (!key) {
      const input = client.publicKey;
      const alg = client.algorithm ?? (typeof input === 'object' && input !== null && 'kty' in input ? input.alg : undefined) ?? 'RS256';
      key =
        typeof input === 'string' ? importSPKI(input, alg) : typeof input === 'object' && input !== null && 'kty' in input ? importJWK(input, alg) : Promise.resolve(input as CryptoKey);
      clientKeys.set(client.clientId, key);
    }
    return key;
  };

  async function mint(clientId: string, scope: string | undefined, ttl = ttlSeconds): Promise<string> {
    const { privateKey } = await keys();
    const iat = Math.floor(now() / 1000);
    const jti = globalThis.crypto.randomUUID();
    const token = await new SignJWT({ client_id: clientId, ...(scope ? { scope } : {}) })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'sim-1' })
      .setIssuer(issuer)
      .setSubject(clientId)
      .setAudience(issuer)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttl)
      .sign(privateKey);
    if (options.revokeOnIssue) {
      for (const [older, owner] of issuedJtis) if (owner === clientId) revoked.add(older);
    }
    issuedJtis.set(jti, clientId);
    stats.issued++;
    return token;
  }

  async function authenticateClient(request: Request, form: URLSearchParams): Promise<OAuthClient | Response> {
    const header = request.headers.get('authorization');
    const methodAllowed = (client: OAuthClient, method: OAuthClientAuthMethod) => allowedMethods.get(client.clientId)?.includes(method) === true;
    if (header?.toLowerCase().startsWith('basic ')) {
      let id = '';
      let secret = '';
      try {
        const decoded = new TextDecoder().decode(Uint8Array.from(atob(header.slice(6).trim()), (c) => c.charCodeAt(0)));
        const colon = decoded.indexOf(':');
        id = formDecode(decoded.slice(0, colon));
        secret = formDecode(decoded.slice(colon + 1));
      } catch {
        return invalidClient('malformed Basic credentials', true);
      }
      const client = clients.get(id);
      if (!client || client.clientSecret !== secret || !methodAllowed(client, 'client_secret_basic')) return invalidClient('client authentication failed', true);
      return client;
    }
    const assertionType = form.get('client_assertion_type');
    if (assertionType !== null) {
      const assertion = form.get('client_assertion');
      if (assertionType !== ASSERTION_TYPE || !assertion) return invalidClient('unsupported client_assertion_type or missing client_assertion');
      let claimedId: string | undefined;
      try {
        claimedId = decodeJwt(assertion).iss;
      } catch {
        return invalidClient('client_assertion is not a JWT');
      }
      const client = claimedId === undefined ? undefined : clients.get(claimedId);
      if (!client?.publicKey || !methodAllowed(client, 'private_key_jwt')) return invalidClient('unknown client or private_key_jwt not allowed');
      const bodyId = form.get('client_id');
      if (bodyId !== null && bodyId !== client.clientId) return invalidClient('client_id does not match the assertion');
      try {
        const { payload } = await jwtVerify(assertion, await clientKey(client), {
          issuer: client.clientId,
          subject: client.clientId,
          audience: [tokenUrl, issuer],
          currentDate: new Date(now()),
          requiredClaims: ['jti', 'exp', 'iat'],
          maxTokenAge: 300,
        });
        const jti = payload.jti as string;
        if (usedAssertions.has(jti)) return invalidClient('client_assertion jti was already used');
        usedAssertions.add(jti);
      } catch (error) {
        return invalidClient(`client_assertion rejected: ${error instanceof Error ? error.message : String(error)}`);
      }
      return client;
    }
    const id = form.get('client_id');
    const client = id === null ? undefined : clients.get(id);
    if (!client) return invalidClient('no client authentication');
    const secret = form.get('client_secret');
    if (secret !== null) {
      if (client.clientSecret !== secret || !methodAllowed(client, 'client_secret_post')) return invalidClient('client authentication failed');
      return client;
    }
    if (!methodAllowed(client, 'none')) return invalidClient('this client must authenticate');
    return client;
  }

  async function tokenEndpoint(request: Request): Promise<Response> {
    stats.tokenCalls++;
    if (tokenDelayMs > 0) {
      try {
        await sleep(tokenDelayMs, request.signal);
      } catch {
        // The client went away while the server "worked": answer nothing.
        return Response.error();
      }
    }
    if (failures.count > 0) {
      failures.count--;
      return HttpResponse.json(failures.body ?? { error: 'server_error', error_description: 'simulated failure' }, { status: failures.status });
    }
    if (!(request.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded')) {
      return oauthError(400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(await request.text());
    const client = await authenticateClient(request, form);
    if (client instanceof Response) return client;
    const grant = form.get('grant_type');
    let scope = form.get('scope') ?? undefined;
    if (grant === 'client_credentials') {
      // scope checked below
    } else if (grant === 'refresh_token') {
      const presented = form.get('refresh_token') ?? '';
      const entry = refreshTokens.get(presented);
      if (!entry || entry.used || entry.clientId !== client.clientId) return oauthError(400, 'invalid_grant', 'unknown, used or foreign refresh_token');
      scope ??= entry.scope;
      if (options.issueRefreshTokens) entry.used = true;
    } else {
      return oauthError(400, 'unsupported_grant_type', `grant_type ${JSON.stringify(grant)} is not supported`);
    }
    if (scope && client.scopes) {
      const unknown = scope.split(' ').filter((s) => !client.scopes?.includes(s));
      if (unknown.length > 0) return oauthError(400, 'invalid_scope', `not allowed: ${unknown.join(' ')}`);
    }
    const accessToken = await mint(client.clientId, scope);
    const body: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: ttlSeconds, ...(scope ? { scope } : {}) };
    if (options.issueRefreshTokens) {
      const refreshToken = `rt-${globalThis.crypto.randomUUID()}`;
      refreshTokens.set(refreshToken, { clientId: client.clientId, scope, used: false });
      body.refresh_token = refreshToken;
    }
    return HttpResponse.json(body, { headers: { 'cache-control': 'no-store' } });
  }

  async function verify(request: Request, guard: OAuthGuardOptions = {}): Promise<OAuthVerification> {
    const header = request.headers.get('authorization');
    const realm = `Bearer realm="${issuer}"`;
    if (!header?.toLowerCase().startsWith('bearer ')) {
      return { ok: false, response: new Response(null, { status: 401, headers: { 'www-authenticate': realm } }) };
    }
    const invalid = (description: string): OAuthVerification => ({
      ok: false,
      response: HttpResponse.json(
        { error: 'invalid_token', error_description: description },
        { status: 401, headers: { 'www-authenticate': `${realm}, error="invalid_token", error_description="${description}"` } },
      ),
    });
    let claims: JWTPayload;
    try {
      const { publicKey } = await keys();
      ({ payload: claims } = await jwtVerify(header.slice(7).trim(), publicKey, { issuer, audience: issuer, currentDate: new Date(now()) }));
    } catch (error) {
      const expired = error instanceof Error && 'code' in error && error.code === 'ERR_JWT_EXPIRED';
      return invalid(expired ? 'The access token expired' : 'The access token is invalid');
    }
    if (revoked.has(claims.jti ?? '')) {
      return invalid('The access token was revoked');
    }
    if (guard.scope && !String(claims.scope ?? '').split(' ').includes(guard.scope)) {
      return {
        ok: false,
        response: HttpResponse.json(
          { error: 'insufficient_scope' },
          { status: 403, headers: { 'www-authenticate': `${realm}, error="insufficient_scope", scope="${guard.scope}"` } },
        ),
      };
    }
    return { ok: true, claims };
  }

  return {
    issuer,
    tokenUrl,
    jwksUrl,
    stats,
    handlers: [
      http.post(tokenUrl, ({ request }) => tokenEndpoint(request)),
      http.get(jwksUrl, async () => HttpResponse.json(await jwks())),
    ],
    guard(resolver, guardOptions) {
      return async (info) => {
        const verdict = await verify(info.request, guardOptions);
        if (!verdict.ok) {
          stats.rejected++;
          return verdict.response;
        }
        stats.accepted++;
        return resolver(info);
      };
    },
    verify,
    issueToken(clientId, issueOptions = {}) {
      if (!clients.has(clientId)) throw new TypeError(`oauthServer.issueToken: unknown client ${JSON.stringify(clientId)}.`);
      return mint(clientId, issueOptions.scope, issueOptions.ttlSeconds === undefined ? ttlSeconds : positive(issueOptions.ttlSeconds, 'ttlSeconds'));
    },
    revoke(accessToken) {
      if (accessToken === undefined) {
        for (const jti of issuedJtis.keys()) revoked.add(jti);
        return;
      }
      const { jti } = decodeJwt(accessToken);
      if (jti) revoked.add(jti);
    },
    failNext(count, status = 500, body) {
      if (!Number.isInteger(count) || count < 0) throw new TypeError(`oauthServer.failNext: count must be an integer >= 0, got ${count}.`);
      if (!Number.isInteger(status) || status < 100 || status > 599) {
        throw new TypeError(`oauthServer.failNext: status must be an integer from 100 to 599, got ${String(status)}.`);
      }
      failures = { count, status, body };
    },
    setTtl(seconds) {
      ttlSeconds = positive(seconds, 'ttlSeconds');
    },
    jwks,
    reset() {
      Object.assign(stats, { tokenCalls: 0, issued: 0, rejected: 0, accepted: 0 });
      failures = { count: 0, status: 500, body: undefined };
      revoked.clear();
      usedAssertions.clear();
      ttlSeconds = positive(options.ttlSeconds ?? 3600, 'ttlSeconds');
    },
  };

  async function jwks(): Promise<JSONWebKeySet> {
    const { publicKey } = await keys();
    return { keys: [{ ...(await exportJWK(publicKey)), kid: 'sim-1', alg: 'ES256', use: 'sig' }] };
  }
}

/** The auth methods a client may use: its `authMethods` (validated), or every one it has material for. */
function authMethodsOf(client: OAuthClient): readonly OAuthClientAuthMethod[] {
  if (client.authMethods !== undefined) {
    const methods: unknown = client.authMethods;
    if (!Array.isArray(methods) || methods.some((m) => !AUTH_METHODS.includes(m))) {
      throw new TypeError(
        `oauthServer(options): client ${JSON.stringify(client.clientId)} "authMethods" must be an array of ${AUTH_METHODS.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(methods)}.`,
      );
    }
    return [...client.authMethods];
  }
  const methods: OAuthClientAuthMethod[] = [];
  if (client.clientSecret !== undefined) methods.push('client_secret_basic', 'client_secret_post');
  if (client.publicKey !== undefined) methods.push('private_key_jwt');
  if (methods.length === 0) methods.push('none');
  return methods;
}

function invalidClient(description: string, basic = false): Response {
  return HttpResponse.json(
    { error: 'invalid_client', error_description: description },
    { status: 401, headers: basic ? { 'www-authenticate': 'Basic realm="token"' } : {} },
  );
}

function oauthError(status: number, error: string, description: string): Response {
  return HttpResponse.json({ error, error_description: description }, { status });
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function positive(value: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`oauthServer: "${what}" must be a number > 0, got ${String(value)}.`);
  return value;
}
