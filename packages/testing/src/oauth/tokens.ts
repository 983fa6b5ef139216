import { exportJWK, type JSONWebKeySet, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { HttpResponse } from 'msw';
import { type OAuthSim, signingKeys } from './state.js';
import type { OAuthGuardOptions, OAuthVerification } from './types.js';

/*
 * Internal: the access tokens of the simulated OAuth server: minting, the JWKS that
 * publishes their key, and the check a guarded handler makes.
 */

/** Signs an ES256 access token for `clientId` (with `revokeOnIssue`, revoking the client's older ones). */
export async function mint(sim: OAuthSim, clientId: string, scope: string | undefined, ttl = sim.ttlSeconds): Promise<string> {
  const { privateKey } = await signingKeys(sim);
  const iat = Math.floor(sim.now() / 1000);
  const jti = globalThis.crypto.randomUUID();
  const token = await new SignJWT({ client_id: clientId, ...(scope ? { scope } : {}) })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'sim-1' })
    .setIssuer(sim.issuer)
    .setSubject(clientId)
    .setAudience(sim.issuer)
    .setJti(jti)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .sign(privateKey);
  if (sim.options.revokeOnIssue) {
    for (const [older, owner] of sim.issuedJtis) if (owner === clientId) sim.revoked.add(older);
  }
  sim.issuedJtis.set(jti, clientId);
  sim.stats.issued++;
  return token;
}

/** The server's public keys. */
export async function jwks(sim: OAuthSim): Promise<JSONWebKeySet> {
  const { publicKey } = await signingKeys(sim);
  return { keys: [{ ...(await exportJWK(publicKey)), kid: 'sim-1', alg: 'ES256', use: 'sig' }] };
}

/** Checks a request's bearer token: its claims, or the 401/403 to answer. */
export async function verify(sim: OAuthSim, request: Request, guard: OAuthGuardOptions = {}): Promise<OAuthVerification> {
  const header = request.headers.get('authorization');
  const realm = `Bearer realm="${sim.issuer}"`;
  if (!header?.toLowerCase().startsWith('bearer ')) {
    return { ok: false, response: new Response(null, { status: 401, headers: { 'www-authenticate': realm } }) };
  }
  let claims: JWTPayload;
  try {
    const { publicKey } = await signingKeys(sim);
    ({ payload: claims } = await jwtVerify(header.slice(7).trim(), publicKey, { issuer: sim.issuer, audience: sim.issuer, currentDate: new Date(sim.now()) }));
  } catch (error) {
    const expired = error instanceof Error && 'code' in error && error.code === 'ERR_JWT_EXPIRED';
    return invalidToken(realm, expired ? 'The access token expired' : 'The access token is invalid');
  }
  if (sim.revoked.has(claims.jti ?? '')) {
    return invalidToken(realm, 'The access token was revoked');
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

function invalidToken(realm: string, description: string): OAuthVerification {
  return {
    ok: false,
    response: HttpResponse.json(
      { error: 'invalid_token', error_description: description },
      { status: 401, headers: { 'www-authenticate': `${realm}, error="invalid_token", error_description="${description}"` } },
    ),
  };
}
