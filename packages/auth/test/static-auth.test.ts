import { apiKey, basic, bearer, noAuth, refreshable, tokenAuth, staticToken } from '@sluice/auth';
import { compose, errors, HttpError, type Middleware, SluiceError } from '@sluice/core';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '@sluice/testing/node';

const API = 'https://api.test';
const OTHER = 'https://third-party.test';
const seen: { url: string; authorization: string | null; apiKey: string | null }[] = [];
const server = useServer({ beforeAll, afterEach, afterAll });
afterEach(() => {
  seen.length = 0;
});

function record(base: string) {
  return http.all(`${base}/*`, ({ request }) => {
    seen.push({ url: request.url, authorization: request.headers.get('authorization'), apiKey: request.headers.get('x-octopus-apikey') });
    return HttpResponse.json({});
  });
}

describe('static credentials', () => {
  it('bearer sends a fixed token, or one from a (sync or async) function per request', async () => {
    server.use(record(API));
    await compose([bearer('abc', { origins: [API] })])(`${API}/a`);
    let n = 0;
    await compose([bearer(async () => `t${++n}`, { origins: [API] })])(`${API}/a`);
    await compose([bearer(() => 'sync', { baseUrl: `${API}/v1/` })])(`${API}/a`);
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer abc', 'Bearer t1', 'Bearer sync']);
  });

  it('basic sends base64(user:password) of the UTF-8 bytes', async () => {
    server.use(record(API));
    await compose([basic('user', 'pässword', { origins: [API] })])(`${API}/a`);
    expect(seen[0]?.authorization).toBe(`Basic ${Buffer.from('user:pässword', 'utf8').toString('base64')}`);
  });

  it('apiKey goes in a header or a query parameter, and is redacted in errors', async () => {
    server.use(http.get(`${API}/fail`, () => new Response('nope', { status: 500 })), record(API));
    await compose([apiKey({ header: 'X-Octopus-ApiKey', value: 'API-KEY-1', origins: [API] })])(`${API}/a`);
    await compose([apiKey({ query: 'key', value: 'API-KEY-2', origins: [API] })])(`${API}/a?x=1`);
    expect(seen[0]?.apiKey).toBe('API-KEY-1');
    expect(seen[1]?.url).toBe(`${API}/a?x=1&key=API-KEY-2`);

    const redactedUrls: string[] = [];
    const inner: Middleware = { name: 'inner', handle: (request, context, next) => {
      redactedUrls.push(context.redaction.url(request.url));
      return next(request);
    } };
    const pipeline = compose([errors(), apiKey({ query: 'key', value: 'API-KEY-3', origins: [API] }), inner]);
    const error = (await pipeline(`${API}/fail`).catch((e: unknown) => e)) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    expect(JSON.stringify(error.toJSON()) + error.message).not.toContain('API-KEY-3');
    expect(redactedUrls).toEqual([`${API}/fail?key=%5BREDACTED%5D`]);
  });

  it('rejects bad input with a TypeError naming it', () => {
    expect(() => bearer('')).toThrow(/bearer\(token\): token must be a non-empty string/);
    expect(() => basic('a:b', 'p')).toThrow(/must not contain ":"/);
    expect(() => apiKey({ value: 'x' } as never)).toThrow(/exactly one of "header" or "query"/);
    expect(() => apiKey({ header: 'h', query: 'q', value: 'x' } as never)).toThrow(/exactly one of "header" or "query"/);
    expect(() => apiKey({ header: 'X-Key', value: '' })).toThrow(/"value" must be a non-empty string/);
    expect(() => bearer('t', { origins: ['not a url'] })).toThrow(/auth: origins\[0\] is not an absolute URL/);
    expect(() => bearer('t', { baseUrl: 'ftp://x' })).toThrow(/must be an http\(s\) URL/);
  });

  it('a token function that returns nothing is a TypeError', async () => {
    const pipeline = compose([bearer(() => '', { origins: [API] })]);
    await expect(pipeline(`${API}/a`)).rejects.toThrow(/the token function returned an empty string/);
  });
});

describe('origin scoping', () => {
  it('attaches credentials only to the baseUrl origin and the origins allowlist; never to third parties', async () => {
    server.use(record(API), record(OTHER), record('https://uploads.api.test'));
    const pipeline = compose([bearer('secret', { baseUrl: `${API}/v2/`, origins: ['https://uploads.api.test'] })]);
    await pipeline(`${API}/a`);
    await pipeline('https://uploads.api.test/file');
    await pipeline(`${OTHER}/steal`);
    expect(seen.map((s) => [s.url, s.authorization])).toEqual([
      [`${API}/a`, 'Bearer secret'],
      ['https://uploads.api.test/file', 'Bearer secret'],
      [`${OTHER}/steal`, null],
    ]);
  });

  it('bind() adds the client baseUrl origin', async () => {
    server.use(record(API), record(OTHER));
    const pipeline = compose([bearer('secret').bind({ baseUrl: API })]);
    await pipeline(`${API}/a`);
    await pipeline(`${OTHER}/a`);
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer secret', null]);
  });

  it('with no origin at all, sending credentials is a clear TypeError', async () => {
    await expect(compose([bearer('secret')])(`${API}/a`)).rejects.toThrow(/auth: no origin to send credentials to/);
  });
});

describe('per-request auth', () => {
  it('auth: false sends no credentials; another auth replaces the client one for one call', async () => {
    server.use(record(API));
    const pipeline = compose([bearer('client-token', { origins: [API] })]);
    await pipeline(`${API}/a`, { auth: false });
    await pipeline(`${API}/a`, { auth: basic('u', 'p') });
    await pipeline(`${API}/a`, { auth: apiKey({ header: 'X-Octopus-ApiKey', value: 'k' }) });
    await pipeline(`${API}/a`);
    expect(seen.map((s) => [s.authorization, s.apiKey])).toEqual([
      [null, null],
      [`Basic ${btoa('u:p')}`, null],
      [null, 'k'],
      ['Bearer client-token', null],
    ]);
  });

  it('noAuth() sends nothing but honours a per-request auth (as in Atlan\'s application SDK, auth comes per call)', async () => {
    server.use(record(API), record(OTHER));
    const pipeline = compose([noAuth()]);
    await pipeline(`${API}/a`);
    await pipeline(`${API}/a`, { auth: bearer('per-call') });
    await pipeline(`${API}/a`, { auth: tokenAuth(staticToken('static-per-call')) });
    expect(seen.map((s) => s.authorization)).toEqual([null, 'Bearer per-call', 'Bearer static-per-call']);
  });

  it('a per-request auth with its own origins still gives nothing to other origins', async () => {
    server.use(record(OTHER));
    await compose([noAuth()])(`${OTHER}/a`, { auth: bearer('scoped', { origins: [API] }) });
    expect(seen[0]?.authorization).toBeNull();
  });

  it('a bad auth option is a TypeError', async () => {
    const pipeline = compose([noAuth()]);
    await expect(pipeline(`${API}/a`, { auth: 'token' as never })).rejects.toThrow(/The "auth" request option must be false or an auth middleware/);
  });

  it('behind errors(), a bad auth option is still the plain TypeError, not a SluiceError', async () => {
    server.use(record(API));
    const error = await compose([errors(), noAuth()])(`${API}/a`, { auth: 'x' as never }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(SluiceError);
    expect(seen).toHaveLength(0);
  });
});

describe('handleAsOverride: an auth as the per-request auth of a slot that is not one', () => {
  it('scopes to its own origins, else the request origin, and ignores the request\'s auth option', async () => {
    server.use(record(API), record(OTHER));
    const slot = (auth: ReturnType<typeof bearer>): Middleware => ({
      name: 'auth',
      handle: (request, context, next) => auth.handleAsOverride(request, context, next),
    });
    await compose([slot(bearer('request-origin'))])(`${OTHER}/a`);
    await compose([slot(bearer('scoped', { origins: [API] }))])(`${OTHER}/a`);
    await compose([slot(bearer('scoped', { origins: [API] }))])(`${API}/a`, { auth: false });
    await compose([slot(tokenAuth(staticToken('from-token-auth')))])(`${API}/a`);
    expect(seen.map((s) => [s.url, s.authorization])).toEqual([
      [`${OTHER}/a`, 'Bearer request-origin'],
      [`${OTHER}/a`, null],
      [`${API}/a`, 'Bearer scoped'],
      [`${API}/a`, 'Bearer from-token-auth'],
    ]);
  });
});

describe('WWW-Authenticate parsing', () => {
  it('refreshes only for no challenge, or Bearer with no error or invalid_token', () => {
    expect(refreshable(null)).toBe(true);
    expect(refreshable('Bearer')).toBe(true);
    expect(refreshable('Bearer realm="api"')).toBe(true);
    expect(refreshable('Bearer realm="api", error="invalid_token", error_description="expired, sorry"')).toBe(true);
    expect(refreshable('Basic realm="x", Bearer error=invalid_token')).toBe(true);
    expect(refreshable('Bearer error="insufficient_scope", scope="admin"')).toBe(false);
    expect(refreshable('Bearer error="invalid_request"')).toBe(false);
    expect(refreshable('Basic realm="x"')).toBe(false);
  });
});
