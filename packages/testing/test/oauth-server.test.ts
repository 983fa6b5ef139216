import { oauthServer } from '@sluice/testing';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useServer } from '@sluice/testing/node';

const API = 'https://api.test';
const server = useServer({ beforeAll, afterEach, afterAll });
afterEach(() => {
  vi.useRealTimers();
});

function token(oauth: ReturnType<typeof oauthServer>, form: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(oauth.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

const basicAuth = (id: string, secret: string) => ({ authorization: `Basic ${btoa(`${id}:${secret}`)}` });

describe('oauthServer token endpoint', () => {
  it('issues real ES256 JWTs with the configured TTL, verifiable with its JWKS', async () => {
    const oauth = oauthServer({ clients: [{ clientId: 'svc', clientSecret: 'secret' }], ttlSeconds: 90 });
    server.use(...oauth.handlers);
    const response = await token(oauth, { grant_type: 'client_credentials', scope: 'read' }, basicAuth('svc', 'secret'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string; expires_in: number; token_type: string; scope: string };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 90, scope: 'read' });
    const jwks = createLocalJWKSet(await (await fetch(oauth.jwksUrl)).json());
    const { payload, protectedHeader } = await jwtVerify(body.access_token, jwks, { issuer: oauth.issuer });
    expect(protectedHeader.alg).toBe('ES256');
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(90);
    expect(payload.sub).toBe('svc');
    expect(oauth.stats).toMatchObject({ tokenCalls: 1, issued: 1 });
  });

  it('verifies client_secret_basic and client_secret_post, and refuses a wrong secret', async () => {
    const oauth = oauthServer({ clients: [{ clientId: 'svc', clientSecret: 'secret' }] });
    server.use(...oauth.handlers);
    expect((await token(oauth, { grant_type: 'client_credentials', client_id: 'svc', client_secret: 'secret' })).status).toBe(200);
    const wrong = await token(oauth, { grant_type: 'client_credentials' }, basicAuth('svc', 'nope'));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });
    expect((await token(oauth, { grant_type: 'client_credentials' })).status).toBe(401);
    expect(oauth.stats.tokenCalls).toBe(3);
    expect(oauth.stats.issued).toBe(1);
  });

  it('verifies private_key_jwt assertions with jwtVerify: claims, audience, one-time jti', async () => {
    const keys = await generateKeyPair('ES256', { extractable: true });
    const oauth = oauthServer({ clients: [{ clientId: 'c', publicKey: await exportJWK(keys.publicKey), algorithm: 'ES256' }] });
    server.use(...oauth.handlers);
    const assertion = (claims: { aud?: string; sub?: string; jti?: string }) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer('c')
        .setSubject(claims.sub ?? 'c')
        .setAudience(claims.aud ?? oauth.tokenUrl)
        .setJti(claims.jti ?? crypto.randomUUID())
        .setIssuedAt()
        .setExpirationTime('60s')
        .sign(keys.privateKey);
    const form = async (claims: Parameters<typeof assertion>[0] = {}) => ({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await assertion(claims),
    });
    expect((await token(oauth, await form())).status).toBe(200);
    expect((await token(oauth, await form({ aud: oauth.issuer }))).status).toBe(200);
    expect((await token(oauth, await form({ aud: 'https://elsewhere.test' }))).status).toBe(401);
    expect((await token(oauth, await form({ sub: 'someone-else' }))).status).toBe(401);
    const replayed = await form({ jti: 'same' });
    expect((await token(oauth, replayed)).status).toBe(200);
    const again = await token(oauth, replayed);
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ error_description: expect.stringMatching(/jti was already used/) });
  });

  it('answers unsupported grants, bad scopes and non-form bodies with OAuth errors', async () => {
    const oauth = oauthServer({ clients: [{ clientId: 'svc', clientSecret: 's', scopes: ['read'] }] });
    server.use(...oauth.handlers);
    expect(await (await token(oauth, { grant_type: 'password' }, basicAuth('svc', 's'))).json()).toMatchObject({ error: 'unsupported_grant_type' });
    expect(await (await token(oauth, { grant_type: 'client_credentials', scope: 'admin' }, basicAuth('svc', 's'))).json()).toMatchObject({ error: 'invalid_scope' });
    const json = await fetch(oauth.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await json.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('rotates refresh tokens: the used one dies', async () => {
    const oauth = oauthServer({ clients: [{ clientId: 'app' }], refreshTokens: { 'rt-0': 'app' }, issueRefreshTokens: true });
    server.use(...oauth.handlers);
    const first = (await (await token(oauth, { grant_type: 'refresh_token', refresh_token: 'rt-0', client_id: 'app' })).json()) as { refresh_token: string };
    expect(first.refresh_token).toMatch(/^rt-/);
    const reuse = await token(oauth, { grant_type: 'refresh_token', refresh_token: 'rt-0', client_id: 'app' });
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await token(oauth, { grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: 'app' })).status).toBe(200);
  });

  it('failNext makes token calls fail, then recovers', async () => {
    const oauth = oauthServer({ clients: [{ clientId: 'svc', clientSecret: 's' }] });
    server.use(...oauth.handlers);
    oauth.failNext(1, 503);
    expect((await token(oauth, { grant_type: 'client_credentials' }, basicAuth('svc', 's'))).status).toBe(503);
    expect((await token(oauth, { grant_type: 'client_credentials' }, basicAuth('svc', 's'))).status).toBe(200);
    expect(oauth.stats.tokenCalls).toBe(2);
  });

  it('rejects bad options', () => {
    expect(() => oauthServer({ clients: [] })).toThrow(/"clients" must be a non-empty array/);
    expect(() => oauthServer({ clients: [{ clientId: 'a' }], ttlSeconds: 0 })).toThrow(/"ttlSeconds" must be a number > 0/);
    expect(() => oauthServer({ clients: [{ clientId: 'a' }], issuer: 'ftp://x' })).toThrow(/"issuer" must be an http\(s\) URL/);
  });
});

describe('oauthServer guarded handlers', () => {
  function setup(options: Partial<Parameters<typeof oauthServer>[0]> = {}) {
    const oauth = oauthServer({ clients: [{ clientId: 'svc', clientSecret: 's' }], ttlSeconds: 60, ...options });
    server.use(
      ...oauth.handlers,
      http.get(`${API}/items`, oauth.guard(() => HttpResponse.json([1]))),
      http.get(`${API}/admin`, oauth.guard(() => HttpResponse.json([2]), { scope: 'admin' })),
    );
    const get = (path: string, accessToken?: string) => fetch(`${API}${path}`, { headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} });
    return { oauth, get };
  }

  it('lets a valid token through; no token is a 401 with a bare Bearer challenge', async () => {
    const { oauth, get } = setup();
    const accessToken = await oauth.issueToken('svc');
    expect((await get('/items', accessToken)).status).toBe(200);
    const missing = await get('/items');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(`Bearer realm="${oauth.issuer}"`);
    expect(oauth.stats).toMatchObject({ accepted: 1, rejected: 1 });
  });

  it('answers 401 invalid_token once a token expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { oauth, get } = setup();
    const accessToken = await oauth.issueToken('svc');
    vi.advanceTimersByTime(59_000);
    expect((await get('/items', accessToken)).status).toBe(200);
    vi.advanceTimersByTime(1_000);
    const expired = await get('/items', accessToken);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toMatch(/error="invalid_token", error_description="The access token expired"/);
  });

  it('revokes on demand, and with revokeOnIssue every new token revokes the older ones', async () => {
    const { oauth, get } = setup({ revokeOnIssue: true });
    const a = await oauth.issueToken('svc');
    const b = await oauth.issueToken('svc');
    expect((await get('/items', a)).headers.get('www-authenticate')).toMatch(/was revoked/);
    expect((await get('/items', b)).status).toBe(200);
    oauth.revoke(b);
    expect((await get('/items', b)).status).toBe(401);
  });

  it('revoke() with no argument revokes every token issued so far', async () => {
    const { oauth, get } = setup();
    const a = await oauth.issueToken('svc');
    oauth.revoke();
    expect((await get('/items', a)).status).toBe(401);
    expect((await get('/items', await oauth.issueToken('svc'))).status).toBe(200);
  });

  it('a token without the needed scope gets 403 insufficient_scope', async () => {
    const { oauth, get } = setup();
    const response = await get('/admin', await oauth.issueToken('svc', { scope: 'read' }));
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/error="insufficient_scope", scope="admin"/);
    expect((await get('/admin', await oauth.issueToken('svc', { scope: 'read admin' }))).status).toBe(200);
  });

  it('a forged token is invalid', async () => {
    const { get } = setup();
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new Uint8Array(32));
    expect((await get('/items', forged)).headers.get('www-authenticate')).toMatch(/The access token is invalid/);
  });
});
