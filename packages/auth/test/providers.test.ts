import { clientCredentials, refreshTokenGrant, type Token, type TokenProvider, tokenAuth } from '@sluice/auth';
import { AuthError, compose } from '@sluice/core';
import { oauthServer } from '@sluice/testing';
import { decodeJwt, exportJWK, exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useServer } from '@sluice/testing/node';

const API = 'https://api.test';
const server = useServer({ beforeAll, afterEach, afterAll });
const tokenBodies: URLSearchParams[] = [];
const tokenHeaders: Headers[] = [];
afterEach(() => {
  tokenBodies.length = 0;
  tokenHeaders.length = 0;
  vi.useRealTimers();
});

type OAuth = ReturnType<typeof oauthServer>;

function install(oauth: OAuth) {
  server.use(
    http.post(oauth.tokenUrl, async ({ request }) => {
      tokenBodies.push(new URLSearchParams(await request.clone().text()));
      tokenHeaders.push(request.headers);
      return undefined;
    }),
    ...oauth.handlers,
    http.get(`${API}/items`, oauth.guard(() => HttpResponse.json({ ok: true }))),
  );
}

async function call(provider: TokenProvider) {
  return compose([tokenAuth(provider, { origins: [API] })])(`${API}/items`);
}

describe('clientCredentials', () => {
  it('authenticates with client_secret_basic by default, sending scope and audience', async () => {
    const oauth = oauthServer({ clients: [{ clientId: 'svc id', clientSecret: 'se:cret&', authMethods: ['client_secret_basic'] }] });
    install(oauth);
    const response = await call(
      clientCredentials({ tokenUrl: oauth.tokenUrl, clientId: 'svc id', clientSecret: 'se:cret&', scope: ['read', 'write'], audience: 'https://api.test' }),
    );
    expect(response.status).toBe(200);
    expect(tokenHeaders[0]?.get('authorization')).toMatch(/^Basic /);
    expect(Object.fromEntries(tokenBodies[0] ?? [])).toEqual({ grant_type: 'client_credentials', scope: 'read write', audience: 'https://api.test' });
  });

  it('authenticates with client_secret_post', async () => {
    const oauth = oauthServer({ clients: [{ clientId: 'svc', clientSecret: 'secret', authMethods: ['client_secret_post'] }] });
    install(oauth);
    expect((await call(clientCredentials({ tokenUrl: oauth.tokenUrl, clientId: 'svc', clientSecret: 'secret', authMethod: 'client_secret_post' }))).status).toBe(200);
    expect(tokenBodies[0]?.get('client_secret')).toBe('secret');
    expect(tokenHeaders[0]?.get('authorization')).toBeNull();
  });

  it('a wrong secret is an AuthError with the status and the OAuth error', async () => {
    const oauth = oauthServer({ clients: [{ clientId: 'svc', clientSecret: 'secret' }] });
    install(oauth);
    const error = (await call(clientCredentials({ tokenUrl: oauth.tokenUrl, clientId: 'svc', clientSecret: 'wrong' })).catch((e: unknown) => e)) as AuthError;
    expect(error).toBeInstanceOf(AuthError);
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/answered 401.*invalid_client/);
  });

  describe('private_key_jwt (RFC 7523)', async () => {
    const rsa = await generateKeyPair('RS256', { extractable: true });
    const ec = await generateKeyPair('ES256', { extractable: true });
    const cases: [string, () => Promise<Parameters<typeof clientCredentials>[0]['privateKey']>, string][] = [
      ['a PKCS#8 PEM', () => exportPKCS8(rsa.privateKey), 'RS256'],
      ['a JWK', async () => ({ ...(await exportJWK(ec.privateKey)), kid: 'k-ec' }), 'ES256'],
      ['a CryptoKey', async () => rsa.privateKey, 'RS256'],
    ];
    for (const [label, key, alg] of cases) {
      it(`signs the client assertion with ${label}`, async () => {
        const oauth = oauthServer({
          clients: [
            { clientId: 'rsa-client', publicKey: await exportSPKI(rsa.publicKey), algorithm: 'RS256' },
            { clientId: 'ec-client', publicKey: await exportJWK(ec.publicKey), algorithm: 'ES256' },
          ],
        });
        install(oauth);
        const clientId = alg === 'ES256' ? 'ec-client' : 'rsa-client';
        const provider = clientCredentials({ tokenUrl: oauth.tokenUrl, clientId, privateKey: await key() });
        expect((await call(provider)).status).toBe(200);
        const body = tokenBodies[0];
        expect(body?.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
        const claims = decodeJwt(body?.get('client_assertion') ?? '');
        expect(claims.iss).toBe(clientId);
        expect(claims.sub).toBe(clientId);
        expect(claims.aud).toBe(oauth.tokenUrl);
        expect(typeof claims.jti).toBe('string');
        expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(60);
      });
    }

    it('makes a fresh jti for every token call (the server rejects a replayed assertion)', async () => {
      const oauth = oauthServer({ clients: [{ clientId: 'c', publicKey: rsa.publicKey }] });
      install(oauth);
      const provider = clientCredentials({ tokenUrl: oauth.tokenUrl, clientId: 'c', privateKey: rsa.privateKey });
      const context = { fetch: (r: Request) => fetch(r), signal: new AbortController().signal };
      await provider.getToken(context);
      await provider.refresh?.(undefined, context);
      const [a, b] = tokenBodies.map((body) => decodeJwt(body.get('client_assertion') ?? '').jti);
      expect(a).not.toBe(b);
      expect(oauth.stats.issued).toBe(2);
    });

    it('a key the server does not know is an AuthError', async () => {
      const oauth = oauthServer({ clients: [{ clientId: 'c', publicKey: ec.publicKey, algorithm: 'ES256' }] });
      install(oauth);
      const error = (await call(clientCredentials({ tokenUrl: oauth.tokenUrl, clientId: 'c', privateKey: rsa.privateKey })).catch((e: unknown) => e)) as AuthError;
      expect(error).toBeInstanceOf(AuthError);
      expect(error.status).toBe(401);
    });
  });

  it('uses a byo initialToken until it expires, then the grant (Sequoia CLIENT_GRANT + byo_token)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const oauth = oauthServer({ clients: [{ clientId: 'svc', clientSecret: 'secret' }] });
    install(oauth);
    const byo = await oauth.issueToken('svc', { ttlSeconds: 120 });
    const pipeline = compose([tokenAuth(clientCredentials({ tokenUrl: oauth.tokenUrl, clientId: 'svc', clientSecret: 'secret', initialToken: byo }), { origins: [API] })]);
    await pipeline(`${API}/items`);
    vi.advanceTimersByTime(60_000);
    await pipeline(`${API}/items`);
    expect(oauth.stats.tokenCalls).toBe(0);
    vi.advanceTimersByTime(30_000); // within the 30 s skew of the byo token's exp
    expect((await pipeline(`${API}/items`)).status).toBe(200);
    expect(oauth.stats.tokenCalls).toBe(1);
  });

  it('rejects bad options with a TypeError naming them', () => {
    expect(() => clientCredentials({ tokenUrl: 'nope', clientId: 'a', clientSecret: 'b' })).toThrow(/"tokenUrl" must be an absolute URL/);
    expect(() => clientCredentials({ tokenUrl: 'https://a.test/t', clientId: '', clientSecret: 'b' })).toThrow(/"clientId" must be a non-empty string/);
    expect(() => clientCredentials({ tokenUrl: 'https://a.test/t', clientId: 'a', authMethod: 'client_secret_post' })).toThrow(/needs a non-empty "clientSecret"/);
    expect(() => clientCredentials({ tokenUrl: 'https://a.test/t', clientId: 'a', authMethod: 'private_key_jwt' })).toThrow(/needs a "privateKey"/);
    expect(() => clientCredentials({ tokenUrl: 'https://a.test/t', clientId: 'a', privateKey: '-----BEGIN RSA PRIVATE KEY-----' })).toThrow(/must be a PKCS#8 PEM/);
    expect(() => clientCredentials({ tokenUrl: 'https://a.test/t', clientId: 'a', clientSecret: 'b', authMethod: 'magic' as never })).toThrow(/unknown "authMethod" "magic"/);
  });

  it('the store key includes token URL, client id and scope', () => {
    const base = { tokenUrl: 'https://a.test/t', clientId: 'a', clientSecret: 'b' };
    const keys = new Set([
      clientCredentials(base).key,
      clientCredentials({ ...base, scope: 'read' }).key,
      clientCredentials({ ...base, clientId: 'other' }).key,
      clientCredentials({ ...base, tokenUrl: 'https://b.test/t' }).key,
    ]);
    expect(keys.size).toBe(4);
  });
});

describe('refreshTokenGrant', () => {
  it('rotates refresh tokens and reports each new one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const oauth = oauthServer({ clients: [{ clientId: 'app' }], refreshTokens: { 'rt-0': 'app' }, issueRefreshTokens: true, ttlSeconds: 60 });
    install(oauth);
    const rotated: string[] = [];
    const pipeline = compose([
      tokenAuth(refreshTokenGrant({ tokenUrl: oauth.tokenUrl, clientId: 'app', refreshToken: 'rt-0', onRefreshToken: (t) => void rotated.push(t) }), { origins: [API] }),
    ]);
    await pipeline(`${API}/items`);
    vi.advanceTimersByTime(60_000);
    await pipeline(`${API}/items`);
    vi.advanceTimersByTime(60_000);
    expect((await pipeline(`${API}/items`)).status).toBe(200);
    expect(tokenBodies.map((b) => b.get('refresh_token'))).toEqual(['rt-0', rotated[0], rotated[1]]);
    expect(rotated).toHaveLength(3);
    expect(tokenBodies[0]?.get('client_id')).toBe('app');
  });

  it('keeps the old refresh token when the server does not rotate; a dead one is an AuthError', async () => {
    const oauth = oauthServer({ clients: [{ clientId: 'app' }], refreshTokens: { 'rt-0': 'app' } });
    install(oauth);
    const provider = refreshTokenGrant({ tokenUrl: oauth.tokenUrl, clientId: 'app', refreshToken: 'rt-0' });
    const context = { fetch: (r: Request) => fetch(r), signal: new AbortController().signal };
    const first = await provider.getToken(context);
    expect(first.refreshToken).toBe('rt-0');
    const dead = refreshTokenGrant({ tokenUrl: oauth.tokenUrl, clientId: 'app', refreshToken: 'rt-dead' });
    await expect(Promise.resolve(dead.getToken(context))).rejects.toThrow(/answered 400.*invalid_grant/);
  });

  it('keys the store by subject, so two users of one app sharing a store never mix tokens', () => {
    const base = { tokenUrl: 'https://a.test/t', clientId: 'app' };
    const ada = refreshTokenGrant({ ...base, refreshToken: 'rt-ada' });
    const bob = refreshTokenGrant({ ...base, refreshToken: 'rt-bob' });
    expect(ada.key).not.toBe(bob.key);
    expect(ada.key).not.toContain('rt-ada');
    const named = refreshTokenGrant({ ...base, refreshToken: 'rt-x', subject: 'user-7' });
    expect(named.key).toContain('user-7');
    expect(refreshTokenGrant({ ...base, refreshToken: 'rt-y', subject: 'user-7' }).key).toBe(named.key);
  });

  it('needs a refresh token', () => {
    expect(() => refreshTokenGrant({ tokenUrl: 'https://a.test/t', clientId: 'a', refreshToken: '' })).toThrow(/"refreshToken" must be a non-empty string/);
  });
});

describe('custom provider', () => {
  it('re-auths on 401 with a closure that persists the new token (the API-client patterns blog post)', async () => {
    const persisted = new Map<string, string>([['token', 'stale']]);
    let logins = 0;
    server.use(
      http.get(`${API}/x`, ({ request }) =>
        request.headers.get('authorization') === `Bearer fresh-1` ? HttpResponse.json({}) : new Response(null, { status: 401 }),
      ),
    );
    const provider: TokenProvider = {
      getToken: (): Token => ({ accessToken: persisted.get('token') ?? '' }),
      async refresh() {
        const accessToken = `fresh-${++logins}`;
        persisted.set('token', accessToken);
        return { accessToken };
      },
    };
    const pipeline = compose([tokenAuth(provider, { origins: [API] })]);
    expect((await pipeline(`${API}/x`)).status).toBe(200);
    expect((await pipeline(`${API}/x`)).status).toBe(200);
    expect(persisted.get('token')).toBe('fresh-1');
    expect(logins).toBe(1);
  });
});
