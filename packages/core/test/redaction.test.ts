
import { inspect } from 'node:util';
import {
  type Context,
  compose,
  createRedaction,
  DEFAULT_SECRET_NAMES,
  errors,
  type HttpError,
  type Middleware,
  NetworkError,
  REDACTED,
  type SluiceEvent,
  SluiceError,
  toHttpError,
  UnauthorizedError,
} from '@sluice/core';
import { HttpResponse, http, passthrough } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, contextFor, failure } from './helpers.js';
import { useServer } from '@sluice/testing/node';

const API = 'https://api.test';
const SECRETS = {
  bearer: 'bearer-tok-1234567890',
  basicProxy: 'cHJveHk6c2VjcmV0MTIz',
  cookie: 'sid-cookie-abcdef',
  setCookie: 'session-set-cookie-987',
  apiKeyHeader: 'hdr-api-key-55555',
  apiKeyQuery: 'qry-api-key-66666',
  token: 'query token/with+odd chars',
  octopus: 'API-OCTOPUS-777777',
  signature: 'sig-value-888888',
  password: 'pa55w0rd-xyz',
};

const server = useServer({ beforeAll, afterEach, afterAll });

/** Every way an error can be turned into text. */
function renderings(error: unknown): Record<string, string> {
  const e = error as Error;
  return {
    message: e.message,
    toString: String(e),
    toJSON: JSON.stringify((e as SluiceError).toJSON()),
    stringify: JSON.stringify(e),
    inspect: inspect(e),
    inspectDeep: inspect(e, { depth: 10, showHidden: true }),
    inspectRaw: inspect(e, { depth: 10, customInspect: false }),
    consoleFormat: inspect({ wrapped: e }, { depth: 10 }),
    stack: String(e.stack),
    causeInspect: inspect(e.cause, { depth: 10, showHidden: true }),
    causeStack: String((e.cause as Error | undefined)?.stack),
    causeString: String(e.cause),
  };
}

function expectNoSecret(error: unknown, secrets: readonly string[] = Object.values(SECRETS)): void {
  for (const [path, text] of Object.entries(renderings(error))) {
    for (const secret of secrets) {
      for (const form of new Set([secret, encodeURIComponent(secret), new URLSearchParams({ v: secret }).toString().slice(2)])) {
        expect(text.includes(form), `${path} leaks ${form}: ${text}`).toBe(false);
      }
    }
  }
}


function secretRequestInit(): RequestInit {
  return {
    headers: {
      Authorization: `Bearer ${SECRETS.bearer}`,
      'Proxy-Authorization': `Basic ${SECRETS.basicProxy}`,
      Cookie: `sid=${SECRETS.cookie}; theme=dark`,
      'X-API-Key': SECRETS.apiKeyHeader,
      'X-Octopus-ApiKey': SECRETS.octopus,
    },
  };
}

const secretQuery = () =>
  `?api_key=${encodeURIComponent(SECRETS.apiKeyQuery)}&token=${encodeURIComponent(SECRETS.token)}&sig=${SECRETS.signature}&page=3`;

describe('createRedaction', () => {
  it('hides the always-secret headers and the default names', () => {
    const redaction = createRedaction();
    expect(
      redaction.headers({
        Authorization: 'Bearer a',
        'proxy-authorization': 'b',
        cookie: 'c',
        'Set-Cookie': 'd',
        'x-api-key': 'e',
        accept: 'json',
      }),
    ).toEqual({
      authorization: REDACTED,
      'proxy-authorization': REDACTED,
      cookie: REDACTED,
      'set-cookie': REDACTED,
      'x-api-key': REDACTED,
      accept: 'json',
    });
    expect([...DEFAULT_SECRET_NAMES].sort()).toEqual(['access_token', 'api_key', 'apikey', 'token', 'x-api-key']);
  });

  it('hides the whole userinfo of user:pass@ and secret query values, repeated ones included', () => {
    const url = createRedaction().url(`https://user:${SECRETS.password}@api.test/x?token=a1&token=a2&ApiKey=k&q=1`);
    expect(url).toBe('https://%5BREDACTED%5D@api.test/x?token=%5BREDACTED%5D&token=%5BREDACTED%5D&ApiKey=%5BREDACTED%5D&q=1');
  });

  it.each([
    ['a token used as the user name', 'https://ghp_token123456@github.test/o/r.git', 'https://%5BREDACTED%5D@github.test/o/r.git'],
    ['a key with an empty password', 'https://sk_live_abc123:@api.test/v1', 'https://%5BREDACTED%5D@api.test/v1'],
    ['a password with no user name', 'https://:pw-only-123@api.test/', 'https://%5BREDACTED%5D@api.test/'],
    ['an encoded user name', 'http://a%20b%40c:x@127.0.0.1:8080/p', 'http://%5BREDACTED%5D@127.0.0.1:8080/p'],
    ['no userinfo', 'https://api.test/a@b', 'https://api.test/a@b'],
  ])('hides %s in one form', (_, input, expected) => {
    expect(createRedaction().url(input)).toBe(expected);
    expect(createRedaction().url(new URL(input))).toBe(expected);
  });

  it('masks the userinfo of a URL that does not parse in the same form, up to the last @', () => {
    expect(createRedaction().url('//tok-user:p@ss@api.test/x?token=t1&a=1')).toBe(`//%5BREDACTED%5D@api.test/x?token=${REDACTED}&a=1`);
    expect(createRedaction().url('https://tok-user@')).toBe('https://%5BREDACTED%5D@');
    expect(createRedaction().url('/x/a@b')).toBe('/x/a@b');
  });

  it('keeps the other parameters in order and as encoded, and hides secrets in the fragment', () => {
    const url = createRedaction().url('https://api.test/cb?b=a%20b&api%5Fkey=k1&c=x+y#state=s&access_token=at-1');
    expect(url).toBe('https://api.test/cb?b=a%20b&api%5Fkey=%5BREDACTED%5D&c=x+y#state=s&access_token=%5BREDACTED%5D');
  });

  it('redacts the query of a relative URL too', () => {
    expect(createRedaction().url('/x?access_token=abc&b=2')).toBe(`/x?access_token=${REDACTED}&b=2`);
  });

  it('uses the user’s names in place of the defaults, keeping the always-secret headers', () => {
    const redaction = createRedaction(['X-Octopus-ApiKey']);
    expect(redaction.headers(new Headers({ 'x-octopus-apikey': 'k', 'x-api-key': 'visible', cookie: 'c' }))).toEqual({
      'x-octopus-apikey': REDACTED,
      'x-api-key': 'visible',
      cookie: REDACTED,
    });
  });

  it('replaces secret values in free text, ignoring values too short to be secrets', () => {
    expect(createRedaction().text('key abcdef and abc', ['abcdef', 'abc'])).toBe(`key ${REDACTED} and abc`);
  });
});

describe('HttpError redaction on every path', () => {
  it('hides request and response secrets in message, toString, toJSON, inspect and stringify', async () => {
    server.use(
      http.get(`${API}/private`, ({ request }) =>
        HttpResponse.json(
          { echoed: request.headers.get('authorization'), token: 'body-token-abcdef', hint: `key was ${request.headers.get('x-api-key')}` },
          {
            status: 401,
            headers: { 'set-cookie': `sid=${SECRETS.setCookie}`, 'x-octopus-apikey': SECRETS.octopus, 'www-authenticate': 'Bearer' },
          },
        ),
      ),
    );
    const pipeline = compose([errors({ secrets: [...DEFAULT_SECRET_NAMES, 'x-octopus-apikey', 'sig'] })]);
    const error = (await failure(pipeline(`${API}/private${secretQuery()}`, secretRequestInit()))) as UnauthorizedError;
    expect(error).toBeInstanceOf(UnauthorizedError);
    expectNoSecret(error, [...Object.values(SECRETS), 'body-token-abcdef']);
    expect(error.url).toBe(`${API}/private?api_key=%5BREDACTED%5D&token=%5BREDACTED%5D&sig=%5BREDACTED%5D&page=3`);
    expect(error.headers['set-cookie']).toBe(REDACTED);
    expect(error.headers['x-octopus-apikey']).toBe(REDACTED);
    expect(error.headers['www-authenticate']).toBe('Bearer');
    expect(error.body).toEqual({ echoed: REDACTED, token: REDACTED, hint: `key was ${REDACTED}` });
    expect(inspect(error)).toContain('UnauthorizedError');
    expect(inspect(error)).toContain('page=3');
  });

  it('with the default names only, the user’s extra names are not hidden', async () => {
    server.use(http.get(`${API}/x`, () => new HttpResponse(null, { status: 404 })));
    const error = (await failure(compose([errors()])(`${API}/x?sig=visible-sig&apikey=hidden-key`))) as HttpError;
    expect(error.url).toBe(`${API}/x?sig=visible-sig&apikey=%5BREDACTED%5D`);
  });

  it('hides the user:pass@ userinfo in an error built for such a URL', async () => {
    const context = contextFor(`${API}/x`);
    const withCredentials: Context = { ...context, url: `https://user:${SECRETS.password}@api.test/x?token=abcdef` };
    const error = await toHttpError(new Response(`denied for ${SECRETS.password}`, { status: 403 }), withCredentials);
    expect(error.url).toBe('https://%5BREDACTED%5D@api.test/x?token=%5BREDACTED%5D');
    expect(error.body).toBe(`denied for ${REDACTED}`);
    expectNoSecret(error, [SECRETS.password, 'abcdef']);
  });

  it('hides a user name alone, in the url and wherever the response echoes it, raw or decoded', async () => {
    const context = contextFor(`${API}/x`);
    const key = 'sk_live_Abc/123';
    const withKey: Context = { ...context, url: `https://${encodeURIComponent(key)}:@api.test/x?page=2` };
    const response = Response.json({ detail: `unknown key ${key}`, raw: `as sent: ${encodeURIComponent(key)}` }, { status: 401 });
    const error = await toHttpError(response, withKey);
    expect(error.url).toBe('https://%5BREDACTED%5D@api.test/x?page=2');
    expect(error.message).toContain('https://%5BREDACTED%5D@api.test/x?page=2');
    expect(error.body).toEqual({ detail: `unknown key ${REDACTED}`, raw: `as sent: ${REDACTED}` });
    expectNoSecret(error, [key]);
  });

  it('leaves a user name under 4 characters in free text (too short to be a secret) but still hides it in the url', async () => {
    const context = contextFor(`${API}/x`);
    const error = await toHttpError(new Response('bob is not allowed', { status: 403 }), { ...context, url: 'https://bob@api.test/x' });
    expect(error.url).toBe('https://%5BREDACTED%5D@api.test/x');
    expect(error.body).toBe('bob is not allowed');
  });
});

describe('request construction errors through compose', () => {
  it.each([
    ['a user name alone', 'https://ghp_tokenuser999@api.test/x', 'ghp_tokenuser999'],
    ['a key with an empty password', 'https://sk_live_key777:@api.test/x?token=qt-5555', 'sk_live_key777'],
    ['user and password', `https://someone:${SECRETS.password}@api.test/x`, SECRETS.password],
  ])('quote %s redacted as the whole userinfo', async (_, url, secret) => {
    const error = await failure(compose([errors()])(url));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^Request cannot be constructed from a URL that includes credentials: https:\/\/%5BREDACTED%5D@api\.test\/x/);
    expect(String(error)).not.toContain(secret);
    expect(String((error as Error).stack)).not.toContain(secret);
    expect(String(error)).not.toContain('qt-5555');
  });
});

describe('NetworkError redaction on every path, cause chain included', () => {
  it('a real refused connection: no secret in the error or its cause', async () => {
    const port = await closedPort();
    server.use(http.get(`http://127.0.0.1:${port}/x`, () => passthrough()));
    const error = await failure(compose([errors()])(`http://127.0.0.1:${port}/x${secretQuery()}`, secretRequestInit()));
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).cause).toBeInstanceOf(TypeError);
    expectNoSecret(error, [SECRETS.apiKeyQuery, SECRETS.token, SECRETS.bearer, SECRETS.cookie, SECRETS.apiKeyHeader]);
  });

  it('a fetch whose errors quote the URL and headers: the copies in cause are redacted, nothing else changes', async () => {
    let originalCause: Error | undefined;
    const leakyFetch = (request: Request) => {
      const socket = Object.assign(new Error(`connect ECONNRESET while sending ${request.url}`), {
        code: 'ECONNRESET',
        detail: `auth ${request.headers.get('authorization')}`,
      });
      originalCause = new TypeError('fetch failed', { cause: socket });
      return Promise.reject(originalCause);
    };
    const url = `${API}/x${secretQuery()}`;
    const error = (await failure(compose([errors()], { fetch: leakyFetch })(url, secretRequestInit()))) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expectNoSecret(error, [SECRETS.apiKeyQuery, SECRETS.token, SECRETS.bearer]);
    const cause = error.cause as TypeError & { cause: Error & { code: string; detail: string } };
    expect(cause).toBeInstanceOf(TypeError);
    expect(cause.message).toBe('fetch failed');
    expect(cause.cause.code).toBe('ECONNRESET');
    expect(cause.cause.detail).toBe(`auth ${REDACTED}`);
    expect(cause.cause.message).toContain(`${API}/x?api_key=%5BREDACTED%5D`);
    expect(inspect(error.cause, { depth: 10 })).toContain('ECONNRESET');
    expect(originalCause?.cause).toBeInstanceOf(Error); // the original object is left as it was
  });

  it('an AggregateError from several addresses: each inner error is redacted', async () => {
    const leaky = (request: Request) =>
      Promise.reject(
        new TypeError('fetch failed', {
          cause: new AggregateError([Object.assign(new Error(`ECONNREFUSED ${request.url}`), { code: 'ECONNREFUSED' })], 'all failed'),
        }),
      );
    const error = (await failure(compose([errors()], { fetch: leaky })(`${API}/x${secretQuery()}`))) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expectNoSecret(error, [SECRETS.apiKeyQuery, SECRETS.token]);
    expect(inspect(error.cause, { depth: 10 })).not.toContain(SECRETS.apiKeyQuery);
  });
});

describe('other errors', () => {
  it('an unknown error quoting a secret header is wrapped with the secret removed', async () => {
    const leaky: Middleware = {
      name: 'leaky',
      handle: (request) => Promise.reject(new RangeError(`bad header ${request.headers.get('x-api-key')}`)),
    };
    const error = (await failure(compose([errors(), leaky])(`${API}/x`, secretRequestInit()))) as SluiceError;
    expect(error.constructor).toBe(SluiceError);
    expect(error.message).toBe(`GET ${API}/x failed with an unexpected error (RangeError: bad header ${REDACTED})`);
    expectNoSecret(error, [SECRETS.apiKeyHeader]);
  });

  it('a SluiceError from an inner middleware that quotes a secret is cleaned in place', async () => {
    const leaky: Middleware = {
      name: 'leaky',
      handle: (request) => Promise.reject(new SluiceError(`refused ${request.url}`, { cause: new Error(SECRETS.bearer) })),
    };
    const error = (await failure(compose([errors(), leaky])(`${API}/x${secretQuery()}`, secretRequestInit()))) as SluiceError;
    expectNoSecret(error, [SECRETS.apiKeyQuery, SECRETS.token, SECRETS.bearer]);
    expect(error.message).toContain('page=3');
  });

  it('events carry the URL redacted with the user’s names', async () => {
    const seen: SluiceEvent[] = [];
    const listen: Middleware = {
      name: 'listen',
      handle(request, context, next) {
        context.subscribe((event) => seen.push(event));
        return next(request);
      },
    };
    server.use(http.get(`${API}/x`, () => HttpResponse.text('ok')));
    await compose([errors({ secrets: ['sig'] }), listen])(`${API}/x?sig=${SECRETS.signature}&token=shown-token`);
    expect(seen.map((event) => event.url)).toEqual([`${API}/x?sig=%5BREDACTED%5D&token=shown-token`]);
  });
});

