import { ResponseParseError, type SluiceEvent } from '@sluice/core';
import type { SearchParamsOption } from 'ky';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/index.js';
import { BASE, type Echo, echoHandler } from './helpers.js';
import { useServer } from '@sluice/testing/node';

const server = useServer({ beforeAll, afterEach, afterAll }, echoHandler);

describe('URLs', () => {
  const client = createClient({ baseUrl: BASE });

  it('joins relative inputs to the baseUrl path-wise', async () => {
    expect((await client.get('users/1').json<Echo>()).path).toBe('/v1/users/1');
    expect((await client.get('/users/2').json<Echo>()).path).toBe('/v1/users/2');
    expect((await createClient({ baseUrl: `${BASE}/` }).get('users/3').json<Echo>()).path).toBe('/v1/users/3');
  });

  it('puts query-only input onto the baseUrl path without adding a slash', async () => {
    const page = await client.get('?page=2').json<Echo>();
    expect(page.url).toBe(`${BASE}?page=2`);
    expect(page.path).toBe('/v1');
    const slashed = createClient({ baseUrl: `${BASE}/` });
    expect((await slashed.get('?page=3').json<Echo>()).url).toBe(`${BASE}/?page=3`);
  });

  it('treats empty input as the baseUrl itself', async () => {
    expect((await client.get('').json<Echo>()).url).toBe(BASE);
    expect((await client.get('', { searchParams: { q: '1' } }).json<Echo>()).url).toBe(`${BASE}?q=1`);
    expect((await createClient({ baseUrl: 'https://api.test' }).get('').json<Echo>()).url).toBe('https://api.test/');
  });

  it('leaves absolute inputs and URL objects alone', async () => {
    expect((await client.get('https://api.test/other').json<Echo>()).path).toBe('/other');
    expect((await client.get(new URL('https://api.test/u')).json<Echo>()).path).toBe('/u');
  });

  it('has a shortcut per method', async () => {
    for (const method of ['get', 'post', 'put', 'patch', 'delete', 'query'] as const) {
      expect((await client[method]('m').json<Echo>()).method).toBe(method.toUpperCase());
    }
    expect((await client.head('m')).status).toBe(200);
    expect((await client('m', { method: 'OPTIONS' }).json<Echo>()).method).toBe('OPTIONS');
  });
});

describe('headers', () => {
  it.each([
    ['a dict', { 'X-App': 'sluice', 'X-Tenant': 'a' }],
    ['Headers', new Headers({ 'X-App': 'sluice', 'X-Tenant': 'a' })],
    ['a tuple list', [['X-App', 'sluice'], ['x-tenant', 'a']] as [string, string][]],
  ])('takes client headers as %s and merges per-request headers over them', async (_, headers) => {
    const client = createClient({ baseUrl: BASE, headers });
    const plain = await client.get('h').json<Echo>();
    expect(plain.headers['x-app']).toBe('sluice');
    expect(plain.headers['x-tenant']).toBe('a');
    const merged = await client.get('h', { headers: { 'x-tenant': 'b', 'X-Extra': '1' } }).json<Echo>();
    expect(merged.headers).toMatchObject({ 'x-app': 'sluice', 'x-tenant': 'b', 'x-extra': '1' });
    const fromHeaders = await client.get('h', { headers: new Headers([['X-TENANT', 'c']]) }).json<Echo>();
    expect(fromHeaders.headers['x-tenant']).toBe('c');
  });

  it('sets a correlation id header the server sees', async () => {
    const echo = await createClient({ baseUrl: BASE }).get('h').json<Echo>();
    expect(echo.headers['x-correlation-id']).toMatch(/[0-9a-f-]{36}/);
  });
});

describe('searchParams', () => {
  it.each([
    ['a dict', { a: '1', b: 2, c: true }, [['a', '1'], ['b', '2'], ['c', 'true']]],
    ['tuples with repeated keys', [['tag', 'x'], ['tag', 'y']], [['tag', 'x'], ['tag', 'y']]],
    ['a string', 'q=hello%20world&tag=x&tag=y', [['q', 'hello world'], ['tag', 'x'], ['tag', 'y']]],
    ['URLSearchParams', new URLSearchParams([['k', 'v']]), [['k', 'v']]],
  ] as Array<[string, SearchParamsOption, string[][]]>)('takes per-request params as %s', async (_, searchParams, expected) => {
    const client = createClient({ baseUrl: BASE });
    expect((await client.get('s', { searchParams }).json<Echo>()).query).toEqual(expected);
  });

  it('lets a per-request key replace every client value of that key, keeping the other client keys', async () => {
    const client = createClient({ baseUrl: BASE, searchParams: [['v', '2'], ['tag', 'a'], ['tag', 'z']] });
    const echo = await client.get('s?from=url', { searchParams: { tag: 'b' } }).json<Echo>();
    expect(echo.query).toEqual([['from', 'url'], ['v', '2'], ['tag', 'b']]);
    const plain = await client.get('s').json<Echo>();
    expect(plain.query).toEqual([['v', '2'], ['tag', 'a'], ['tag', 'z']]);
  });

  it.each([
    ['a dict', { k: 'req' }],
    ['tuples', [['k', 'req']]],
    ['a string', '?k=req'],
    ['URLSearchParams', new URLSearchParams('k=req')],
  ] as Array<[string, SearchParamsOption]>)('replaces a client key from per-request params given as %s', async (_, searchParams) => {
    const client = createClient({ baseUrl: BASE, searchParams: { k: 'client', other: '1' } });
    expect((await client.get('s', { searchParams }).json<Echo>()).query).toEqual([['other', '1'], ['k', 'req']]);
  });

  it('keeps repeated per-request values and removes a key given as undefined', async () => {
    const client = createClient({ baseUrl: BASE, searchParams: 'k=client&keep=1' });
    const repeated = await client.get('s', { searchParams: [['k', 'x'], ['k', 'y']] }).json<Echo>();
    expect(repeated.query).toEqual([['keep', '1'], ['k', 'x'], ['k', 'y']]);
    const removed = await client.get('s?k=url&a=1', { searchParams: { k: undefined } }).json<Echo>();
    expect(removed.query).toEqual([['a', '1'], ['keep', '1']]);
  });

  it('also applies to client.request and to client params given through the ky option', async () => {
    const client = createClient({ baseUrl: BASE, ky: { searchParams: { k: 'client' } } });
    expect((await client.get('s').json<Echo>()).query).toEqual([['k', 'client']]);
    expect((await client.get('s', { searchParams: { k: 'req' } }).json<Echo>()).query).toEqual([['k', 'req']]);
    const response = await client.request('s', { searchParams: { k: 'via-request' } } as RequestInit);
    expect(((await response.json()) as Echo).query).toEqual([['k', 'via-request']]);
  });

  it('rejects a malformed per-request tuple list with a TypeError', async () => {
    const client = createClient({ baseUrl: BASE, searchParams: { k: 'client' } });
    await expect(client.get('s', { searchParams: [['k', 'a', 'b']] })).rejects.toThrow(/searchParams: a list must hold \[key, value\] pairs/);
  });
});

describe('bodies', () => {
  const client = createClient({ baseUrl: BASE });

  it('sends JSON', async () => {
    const echo = await client.post('b', { json: { name: 'Ada', tags: ['x'] } }).json<Echo>();
    expect(echo.contentType).toBe('application/json');
    expect(JSON.parse(echo.text ?? '')).toEqual({ name: 'Ada', tags: ['x'] });
  });

  it('sends a form (URLSearchParams)', async () => {
    const echo = await client.post('b', { body: new URLSearchParams({ a: '1', b: 'two words' }) }).json<Echo>();
    expect(echo.contentType).toContain('application/x-www-form-urlencoded');
    expect(echo.text).toBe('a=1&b=two+words');
  });

  it('sends multipart with files', async () => {
    const form = new FormData();
    form.append('title', 'report');
    form.append('file', new Blob(['hello file'], { type: 'text/plain' }), 'hello.txt');
    const echo = await client.post('b', { body: form }).json<Echo>();
    expect(echo.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(echo.form).toEqual([
      ['title', 'report'],
      ['file', { name: 'hello.txt', type: 'text/plain', size: 10, text: 'hello file' }],
    ]);
  });

  it.each([
    ['Uint8Array', () => new TextEncoder().encode('raw bytes')],
    ['Blob', () => new Blob(['raw bytes'], { type: 'application/octet-stream' })],
    ['ReadableStream', () => new Blob(['raw bytes']).stream()],
    ['string', () => 'raw bytes'],
  ])('sends a raw %s body', async (_, body) => {
    const echo = await client.put('b', { body: body(), headers: { 'content-type': 'application/octet-stream' } }).json<Echo>();
    expect(echo.text).toBe('raw bytes');
    expect(echo.contentType).toBe('application/octet-stream');
  });
});

describe('response bodies', () => {
  it('parses JSON and types it', async () => {
    server.use(http.get(`${BASE}/user`, () => HttpResponse.json({ id: 7, name: 'Ada' })));
    const user = await createClient({ baseUrl: BASE }).get('user').json<{ id: number; name: string }>();
    expect(user).toEqual({ id: 7, name: 'Ada' });
  });

  it('turns a JSON parse failure into ResponseParseError with a redacted URL', async () => {
    server.use(
      http.get(`${BASE}/broken`, () => new HttpResponse('{"oops"', { headers: { 'content-type': 'application/json' } })),
    );
    const client = createClient({ baseUrl: BASE });
    const error = await client.get('broken', { searchParams: { token: 's3cr3t-value' } }).json().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseParseError);
    const parseError = error as ResponseParseError;
    expect(parseError.message).toMatch(/^Cannot parse the body of GET https:\/\/api\.test\/v1\/broken\?token=%5BREDACTED%5D \(200, application\/json\) as JSON/);
    expect(parseError.message).not.toContain('s3cr3t-value');
    expect(parseError.correlationId).toMatch(/[0-9a-f-]{36}/);
    expect(parseError.cause).toBeInstanceOf(SyntaxError);
  });

  it('returns undefined for an empty JSON body instead of failing', async () => {
    server.use(http.delete(`${BASE}/gone`, () => new HttpResponse(null, { status: 204 })));
    expect(await createClient({ baseUrl: BASE }).delete('gone').json()).toBeUndefined();
  });
});

describe('client.fetch and client.request', () => {
  async function fetchJson(fetchImpl: typeof fetch, url: string): Promise<Echo> {
    const response = await fetchImpl(url, { headers: { accept: 'application/json' } });
    return (await response.json()) as Echo;
  }

  it('client.fetch is a plain fetch over the pipeline', async () => {
    const client = createClient({ baseUrl: BASE, headers: { 'x-client': 'yes' } });
    const echo = await fetchJson(client.fetch, 'https://api.test/plain');
    expect(echo.path).toBe('/plain');
    expect(echo.headers['x-correlation-id']).toBeDefined();
    // the bare pipeline knows nothing of the client's baseUrl and headers
    expect(echo.headers['x-client']).toBeUndefined();
    const viaRequest = await client.fetch(new Request('https://api.test/req', { method: 'POST', body: 'x' }));
    expect(((await viaRequest.json()) as Echo).text).toBe('x');
  });

  it('client.request is a fetch with the client defaults', async () => {
    const client = createClient({ baseUrl: BASE, headers: { 'x-client': 'yes' } });
    const echo = await fetchJson(client.request, 'users');
    expect(echo.path).toBe('/v1/users');
    expect(echo.headers['x-client']).toBe('yes');
  });

  it('client.fetch surfaces typed errors like the client does', async () => {
    server.use(http.get('https://api.test/missing', () => HttpResponse.json({ error: 'nope' }, { status: 404 })));
    const client = createClient();
    await expect(client.fetch('https://api.test/missing')).rejects.toMatchObject({ name: 'NotFoundError', status: 404 });
  });
});

describe('events', () => {
  it('onEvent receives the request, attempt and response events with the correlation id', async () => {
    const events: SluiceEvent[] = [];
    const client = createClient({ baseUrl: BASE, onEvent: (event) => events.push(event) });
    await client.get('e', { correlationId: 'corr-1' });
    expect(events.map((e) => e.type)).toEqual(['request', 'attempt', 'response']);
    expect(new Set(events.map((e) => e.correlationId))).toEqual(new Set(['corr-1']));
  });
});
