import { decodeJwt } from 'jose';
import { HttpResponse, http } from 'msw';
import { positive, readConfig } from './oauth/config.js';
import { createSim, type OAuthSim, resetSim } from './oauth/state.js';
import { tokenEndpoint } from './oauth/token-endpoint.js';
import { jwks, mint, verify } from './oauth/tokens.js';
import type { OAuthServer, OAuthServerOptions } from './oauth/types.js';

export type {
  OAuthClient,
  OAuthClientAuthMethod,
  OAuthGuardOptions,
  OAuthServer,
  OAuthServerOptions,
  OAuthServerStats,
  OAuthVerification,
} from './oauth/types.js';

/*
 * The pieces live in ./oauth/: config.ts checks the options, state.ts holds what changes
 * while the server runs, client-auth.ts authenticates clients, token-endpoint.ts answers
 * token calls and tokens.ts mints and checks access tokens. This file wires them into
 * the public object.
 */

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
  const sim = createSim(readConfig(options));
  return {
    issuer: sim.issuer,
    tokenUrl: sim.tokenUrl,
    jwksUrl: sim.jwksUrl,
    stats: sim.stats,
    handlers: [
      http.post(sim.tokenUrl, ({ request }) => tokenEndpoint(sim, request)),
      http.get(sim.jwksUrl, async () => HttpResponse.json(await jwks(sim))),
    ],
    guard: (resolver, guardOptions) => guarded(sim, resolver, guardOptions),
    verify: (request, guardOptions) => verify(sim, request, guardOptions),
    issueToken(clientId, issueOptions = {}) {
      if (!sim.clients.has(clientId)) throw new TypeError(`oauthServer.issueToken: unknown client ${JSON.stringify(clientId)}.`);
      return mint(sim, clientId, issueOptions.scope, issueOptions.ttlSeconds === undefined ? sim.ttlSeconds : positive(issueOptions.ttlSeconds, 'ttlSeconds'));
    },
    revoke: (accessToken) => revoke(sim, accessToken),
    failNext: (count, status = 500, body) => failNext(sim, count, status, body),
    setTtl(seconds) {
      sim.ttlSeconds = positive(seconds, 'ttlSeconds');
    },
    jwks: () => jwks(sim),
    reset: () => resetSim(sim),
  };
}

/** A resolver that answers only requests with a valid access token, counting both kinds. */
function guarded<Info extends { request: Request }>(
  sim: OAuthSim,
  resolver: (info: Info) => Response | Promise<Response>,
  guardOptions: Parameters<OAuthServer['guard']>[1],
): (info: Info) => Promise<Response> {
  return async (info) => {
    const verdict = await verify(sim, info.request, guardOptions);
    if (!verdict.ok) {
      sim.stats.rejected++;
      return verdict.response;
    }
    sim.stats.accepted++;
    return resolver(info);
  };
}

/** Revokes one access token, or every one issued so far. */
function revoke(sim: OAuthSim, accessToken: string | undefined): void {
  if (accessToken === undefined) {
    for (const jti of sim.issuedJtis.keys()) sim.revoked.add(jti);
    return;
  }
  const { jti } = decodeJwt(accessToken);
  if (jti) sim.revoked.add(jti);
}

/** Scripts the next `count` token calls to fail with `status` and `body`. */
function failNext(sim: OAuthSim, count: number, status: number, body: unknown): void {
  if (!Number.isInteger(count) || count < 0) throw new TypeError(`oauthServer.failNext: count must be an integer >= 0, got ${count}.`);
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    throw new TypeError(`oauthServer.failNext: status must be an integer from 100 to 599, got ${String(status)}.`);
  }
  sim.failures = { count, status, body };
}
