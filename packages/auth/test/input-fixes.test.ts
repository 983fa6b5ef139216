// Creation-time checks of auth options, and token endpoint answers that cannot become a header.
import { createServer } from 'node:http';
import { apiKey, bearer, clientCredentials, refreshTokenGrant, tokenAuth } from '@sluice/auth';
import { AuthError, compose, errors } from '@sluice/core';
import { type Listening, listen } from '@sluice/testing/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

/** Every text an error shows: message, stack, toString, JSON, and the same down its cause chain. */
function everything(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    const e = current as Error & { body?: unknown };
    parts.push(String(e), String(e.message), String(e.stack), JSON.stringify(e), JSON.stringify(e.body ?? null));
    current = e.cause;
  }
  return parts.join('\n');
}

/** The error `make` throws (or `undefined`). */
function thrown(make: () => unknown): unknown {
  try {
    make();
  } catch (error) {
    return error;
  }
  return undefined;
}

let server: Listening;
let base = '';
let tokenBody = '';
const seen: { url: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];
beforeAll(async () => {
  server = await listen(
    createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body });
        if (req.url?.startsWith('/token')) res.writeHead(200, { 'content-type': 'application/json' }).end(tokenBody);
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    }),
  );
  base = server.url;
});
afterAll(() => server.close());
beforeEach(() => {
  seen.length = 0;
});

describe('a token URL or auth origin with user:password@ is refused at creation, the password not shown', () => {
  it('clientCredentials and refreshTokenGrant: a TypeError naming "tokenUrl"; nothing is sent', async () => {
    const tokenUrl = `${base.replace('://', '://svc:SECRETPW-41@')}/token`;
    const made = [
      thrown(() => clientCredentials({ tokenUrl, clientId: 'c', clientSecret: 'CLIENTSECRET-9' })),
      thrown(() => clientCredentials({ tokenUrl: new URL(tokenUrl), clientId: 'c', clientSecret: 'CLIENTSECRET-9' })),
      thrown(() => refreshTokenGrant({ tokenUrl, clientId: 'c', refreshToken: 'REFRESH-7', authMethod: 'none' })),
    ];
    for (const error of made) {
      expect(error).toBeInstanceOf(TypeError);
      expect((error as TypeError).message).toMatch(/"tokenUrl" must not carry credentials \(user:password@\)/);
      expect(everything(error)).not.toContain('SECRETPW-41');
    }
    // A value that is not even a URL is quoted with what looks like userinfo masked.
    const unparsed = thrown(() => clientCredentials({ tokenUrl: '//svc:SECRETPW-41@auth.example/token', clientId: 'c', clientSecret: 'x' }));
    expect((unparsed as TypeError).message).toMatch(/"tokenUrl" must be an absolute URL, got "\/\/\[REDACTED\]@auth\.example\/token"/);
    expect(everything(unparsed)).not.toContain('SECRETPW-41');
    // The same endpoint without userinfo works: the client's credentials go as client_secret_basic.
    const pipeline = compose([errors(), tokenAuth(clientCredentials({ tokenUrl: `${base}/token`, clientId: 'svc', clientSecret: 'pw' }), { origins: [base] })]);
    tokenBody = JSON.stringify({ access_token: 'AT-1' });
    expect((await pipeline(`${base}/api`)).status).toBe(200);
    expect(seen[0]?.headers.authorization).toBe(`Basic ${btoa('svc:pw')}`);
  });

  it('origins and baseUrl of an auth middleware: a TypeError naming the option', () => {
    const withPassword = base.replace('://', '://u:SECRETPW-42@');
    for (const make of [() => bearer('tok', { origins: [withPassword] }), () => apiKey({ header: 'x-key', value: 'k', baseUrl: withPassword }), () => bearer('tok', { origins: ['//u:SECRETPW-42@h/'] })]) {
      const error = thrown(make);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as TypeError).message).toMatch(/^auth: (origins\[0\]|baseUrl) (must not carry credentials|is not an absolute URL: "\/\/\[REDACTED\]@h\/")/);
      expect(everything(error)).not.toContain('SECRETPW-42');
    }
  });
});

describe('apiKey "header" and grant "scope" are checked at creation', () => {
  it.each(['bad header', 'x-key:', 'x\r\nkey', 'ключ'])('apiKey({ header: %j }) is a TypeError naming "header"', (header) => {
    expect(() => apiKey({ header, value: 'k', origins: [base] })).toThrow(/^apiKey\(options\): "header" must be an HTTP header name/);
  });

  it('a valid header name is accepted and carries the key', async () => {
    const pipeline = compose([errors(), apiKey({ header: 'X-Octopus-ApiKey', value: 'API-KEY-3', origins: [base] })]);
    expect((await pipeline(`${base}/api`)).status).toBe(200);
    expect(seen[0]?.headers['x-octopus-apikey']).toBe('API-KEY-3');
  });

  it.each([
    [5, 'got 5'],
    [{ read: true }, 'got an object'],
    [['read', 7], 'got an array with an item that is not a string'],
    [null, 'got null'],
  ])('scope %j is a TypeError naming "scope" and what it accepts', (scope, got) => {
    for (const make of [
      () => clientCredentials({ tokenUrl: `${base}/token`, clientId: 'c', clientSecret: 'x', scope: scope as never }),
      () => refreshTokenGrant({ tokenUrl: `${base}/token`, clientId: 'c', refreshToken: 'r', authMethod: 'none', scope: scope as never }),
    ]) {
      const error = thrown(make);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as TypeError).message).toContain(`(options): "scope" must be a string or an array of strings (space-joined), ${got}.`);
    }
  });

  it('a scope array is sent space-joined', async () => {
    tokenBody = JSON.stringify({ access_token: 'AT-2' });
    const pipeline = compose([errors(), tokenAuth(clientCredentials({ tokenUrl: `${base}/token`, clientId: 'c', clientSecret: 'x', scope: ['read', 'write'] }), { origins: [base] })]);
    await pipeline(`${base}/api`);
    expect(new URLSearchParams(seen[0]?.body).get('scope')).toBe('read write');
  });
});

describe('a token endpoint answer that cannot become an Authorization header is an AuthError', () => {
  const call = () => compose([errors(), tokenAuth(clientCredentials({ tokenUrl: `${base}/token`, clientId: 'c', clientSecret: 'CLIENTSECRET-5' }), { origins: [base] })])(`${base}/api`);

  it.each([
    ['a CR LF in access_token', { access_token: 'ACCESSTOK-61\r\nX-Evil: 1' }, /accessToken that cannot go in a header \(a CR, LF or NUL/],
    ['a NUL in access_token', { access_token: 'ACCESSTOK-61\u0000' }, /accessToken that cannot go in a header/],
    ['a character above U+00FF in access_token', { access_token: 'ACCESSTOK-61\u2028' }, /accessToken that cannot go in a header/],
    ['a CR LF in token_type', { access_token: 'ACCESSTOK-61', token_type: 'Bearer\r\nX-Evil: 1' }, /tokenType that is not an HTTP auth scheme/],
  ])('%s: refused, the token not shown, nothing sent to the API', async (_label, answer, message) => {
    tokenBody = JSON.stringify(answer);
    const error = await call().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).toMatch(message);
    const shown = everything(error);
    for (const secret of ['ACCESSTOK-61', 'CLIENTSECRET-5', 'X-Evil']) expect(shown).not.toContain(secret);
    expect(seen.map((request) => request.url)).toEqual(['/token']);
  });

  it.each([
    ['null', 'null'],
    ['[]', 'an array'],
    ['"ACCESSTOK-62"', 'a string'],
    ['42', 'a number'],
  ])('a body of %s: an AuthError saying what came instead of an object', async (body, got) => {
    tokenBody = body;
    const error = await call().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).toBe(`The token endpoint ${base}/token answered 200 with ${got}, not a JSON object with an access_token.`);
    expect((error as AuthError).message).not.toContain('ACCESSTOK-62');
  });
});
