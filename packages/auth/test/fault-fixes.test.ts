import { createServer } from 'node:http';
import { bearer, clientCredentials, isExpiring, tokenAuth } from '@sluice/auth';
import { compose, errors, NetworkError, retry } from '@sluice/core';
import Provider from 'oidc-provider';
import { type Listening, listen } from '@sluice/testing/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('redirects that auth follows itself (fix 4, fix 2)', () => {
  let api: Listening;
  let base = '';
  let loopHits = 0;
  beforeAll(async () => {
    api = await listen(
      createServer((req, res) => {
        if (req.url === '/moved') res.writeHead(302, { location: '/final' }).end();
        else if (req.url === '/loop') {
          loopHits++;
          res.writeHead(307, { location: '/loop' }).end();
        } else res.writeHead(200, { 'content-type': 'text/plain' }).end(req.headers.authorization ?? 'none');
      }),
    );
    base = api.url;
  });
  afterAll(() => api.close());

  it('response.redirected is true after auth follows a redirect, false without one', async () => {
    const pipeline = compose([errors(), bearer('t0k', { origins: [base] })]);
    const moved = await pipeline(`${base}/moved`);
    expect(moved.redirected).toBe(true);
    expect(moved.url).toBe(`${base}/final`);
    expect(await moved.text()).toBe('Bearer t0k');
    const direct = await pipeline(`${base}/final`);
    expect(direct.redirected).toBe(false);
    await direct.text();
  });

  it('a redirect loop under auth stops after 21 hops in all, not 21 per retry attempt', async () => {
    loopHits = 0;
    const pipeline = compose([errors(), retry({ limit: 3, sleep: async () => {}, gate: false }), bearer('t0k', { origins: [base] })]);
    const error = await pipeline(`${base}/loop`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toContain('too many redirects');
    expect((error as NetworkError).message).not.toContain('t0k');
    expect(loopHits).toBe(21);
  });
});

describe('tokenAuth timer options (fix 3)', () => {
  it.each([0, 2 ** 31, Number.POSITIVE_INFINITY, -1])('refuses tokenTimeoutMs %s at creation, naming it', (value) => {
    expect(() => tokenAuth({ getToken: () => ({ accessToken: 'x' }) }, { tokenTimeoutMs: value })).toThrow(
      /tokenAuth: "tokenTimeoutMs" must be a finite number of ms > 0, got .* \(at most 2147483647, the longest timer\)/,
    );
  });
});

describe('the refresh skew of short-lived tokens (fix 7)', () => {
  it('is at most half the lifetime when issuedAt is known; the full skew otherwise', () => {
    const now = 1_000_000;
    const short = { accessToken: 'x', issuedAt: now, expiresAt: now + 5_000 };
    expect(isExpiring(short, 30_000, now)).toBe(false);
    expect(isExpiring(short, 30_000, now + 2_499)).toBe(false);
    expect(isExpiring(short, 30_000, now + 2_500)).toBe(true);
    expect(isExpiring({ accessToken: 'x', expiresAt: now + 5_000 }, 30_000, now)).toBe(true);
    const long = { accessToken: 'x', issuedAt: now, expiresAt: now + 3_600_000 };
    expect(isExpiring(long, 30_000, now + 3_570_000 - 1)).toBe(false);
    expect(isExpiring(long, 30_000, now + 3_570_000)).toBe(true);
  });

  describe('against a real OpenID provider (oidc-provider) with a 5 s access-token TTL', () => {
    let issuerServer: Listening;
    let api: Listening;
    let issuer = '';
    let apiBase = '';
    let apiHits = 0;
    beforeAll(async () => {
      const issuerHttp = createServer();
      issuerServer = await listen(issuerHttp);
      issuer = issuerServer.url;
      const provider = new Provider(issuer, {
        clients: [{ client_id: 'svc', client_secret: 'svc-secret-value', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }],
        features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
        ttl: { ClientCredentials: 5 },
      });
      issuerHttp.on('request', provider.callback());
      api = await listen(
        createServer((req, res) => {
          apiHits++;
          res.writeHead(req.headers.authorization?.startsWith('Bearer ') ? 200 : 401).end('{}');
        }),
      );
      apiBase = api.url;
    });
    afterAll(async () => {
      await issuerServer.close();
      await api.close();
    });

    it('N sequential requests within the lifetime make 1 token call, not N', async () => {
      const auth = tokenAuth(clientCredentials({ tokenUrl: `${issuer}/token`, clientId: 'svc', clientSecret: 'svc-secret-value' }), {
        origins: [apiBase],
      });
      const pipeline = compose([errors(), auth]);
      for (let i = 0; i < 20; i++) {
        const response = await pipeline(`${apiBase}/items/${i}`);
        expect(response.status).toBe(200);
        await response.text();
      }
      expect(apiHits).toBe(20);
      expect(auth.stats().tokenCalls).toBe(1);
    });
  });
});
