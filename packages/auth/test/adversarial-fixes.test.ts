import { createServer } from 'node:http';
import { apiKey, basic, bearer, clientCredentials, digest, refreshTokenGrant, tokenAuth } from '@sluice/auth';
import { AuthError, compose, errors } from '@sluice/core';
import { type Listening, listen } from '@sluice/testing/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Every text an error shows: message, body, toString, JSON, and the same down its cause chain. */
function everything(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    const e = current as Error & { body?: unknown };
    parts.push(String(e), String(e.message), String(e.stack), JSON.stringify(e), JSON.stringify(e.body ?? null), String(e.body));
    current = e.cause;
  }
  return parts.join('\n');
}

describe('a token endpoint answering 200 with a body that is not JSON (fix 1)', () => {
  let server: Listening;
  let base = '';
  const bodies: Record<string, string> = {
    '/cut': '{"access_token":"ACCESSTOK-77","refresh_token":"REFRESHTOK-88"',
    '/form': 'access_token=ACCESSTOK-77&refresh_token=REFRESHTOK-88&token_type=bearer',
  };
  beforeAll(async () => {
    server = await listen(
      createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(bodies[req.url ?? ''] ?? ''));
      }),
    );
    base = server.url;
  });
  afterAll(() => server.close());

  it.each(['/cut', '/form'])('%s: the AuthError shows neither token anywhere', async (path) => {
    const provider = clientCredentials({ tokenUrl: `${base}${path}`, clientId: 'app', clientSecret: 'CLIENTSECRET-99' });
    const pipeline = compose([errors(), tokenAuth(provider, { origins: [base] })]);
    const error = await pipeline(`${base}/api`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).toContain('not JSON');
    const shown = everything(error);
    for (const secret of ['ACCESSTOK-77', 'REFRESHTOK-88', 'CLIENTSECRET-99']) expect(shown).not.toContain(secret);
    expect(String((error as AuthError).body)).toContain('[REDACTED]');
  });
});

describe('auth factories refuse unknown option keys (fix 3)', () => {
  const provider = { getToken: () => ({ accessToken: 'x' }) };
  it.each([
    ['bearer(token, options)', () => bearer('t0ken', { orgins: ['https://a.example'] } as never), 'orgins', 'origins'],
    ['tokenAuth(provider, options)', () => tokenAuth(provider, { skwMs: 1000 } as never), 'skwMs', 'skewMs'],
    ['basic(username, password, options)', () => basic('u', 'p', { baseURL: 'https://a.example' } as never), 'baseURL', 'baseUrl'],
    ['apiKey(options)', () => apiKey({ header: 'x-api-key', value: 'k', orgin: [] } as never), 'orgin', 'origins'],
    ['digest(username, password, options)', () => digest('u', 'p', { cnonse: () => 'n' } as never), 'cnonse', 'cnonce'],
    ['clientCredentials(options)', () => clientCredentials({ tokenUrl: 'https://a.example/t', clientId: 'c', clientSecret: 's', scpoe: 'x' } as never), 'scpoe', 'scope'],
    ['refreshTokenGrant(options)', () => refreshTokenGrant({ tokenUrl: 'https://a.example/t', clientId: 'c', refreshToken: 'r', onRefreshTokn: () => {} } as never), 'onRefreshTokn', 'onRefreshToken'],
  ])('%s', (where, make, key, closest) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(`${where}: unknown option "${key}" (did you mean "${closest}"?)`);
  });

  it('bearer and basic refuse options that are not an object', () => {
    expect(() => bearer('t0ken', 'x' as never)).toThrow(new TypeError('bearer(token, options): options must be an object, got string.'));
    expect(() => basic('u', 'p', null as never)).toThrow(new TypeError('basic(username, password, options): options must be an object, got null.'));
  });
});

describe('basic() refuses a CR or LF in a credential without quoting it (fix 4)', () => {
  it.each([
    ['username', () => basic('a\nb', 'pw-secret')],
    ['username', () => basic('user-secret\r', 'pw')],
    ['password', () => basic('user', 'PW-771\r\nPW-772')],
  ])('%s', (what, make) => {
    expect(make).toThrow(new TypeError(`basic(username, password): ${what} contains a CR or LF character; refused (the value is not shown).`));
    const message = (() => {
      try {
        make();
      } catch (error) {
        return String(error);
      }
      return '';
    })();
    for (const value of ['a\nb', 'pw-secret', 'user-secret', 'PW-77']) expect(message).not.toContain(value);
  });
});
