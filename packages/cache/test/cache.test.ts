import { createServer, type IncomingHttpHeaders } from 'node:http';
import { type CacheEntry, type CacheStore, cache, memoryStore } from '@sluice/cache';
import { compose, errors, type Middleware, type SluiceEvent } from '@sluice/core';
import { type Listening, listen } from '@sluice/testing/node';
import { createClient } from 'sluice';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

/** A server whose answer per path the test sets; it records each request's headers. */
interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  chunks?: string[];
}
let server: Listening;
let base = '';
let answer: (path: string, headers: IncomingHttpHeaders) => Answer = () => ({});
let seen: Array<{ method: string; path: string; headers: IncomingHttpHeaders }> = [];
let version = 1;

beforeAll(async () => {
  const http = createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    // No Date header: freshness counts from the (faked) client clock.
    res.sendDate = false;
    const a = answer(req.url ?? '', req.headers);
    res.writeHead(a.status ?? 200, { 'content-type': 'text/plain', ...a.headers });
    // A body of several chunks goes out chunked, without a content-length.
    if (a.chunks) for (const chunk of a.chunks) res.write(chunk);
    res.end(a.status === 304 ? undefined : (a.body ?? (a.chunks ? '' : `v${version}`)));
  });
  server = await listen(http);
  base = server.url;
});
afterAll(() => server.close());
beforeEach(() => {
  seen = [];
  version = 1;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
});
afterEach(() => vi.useRealTimers());

const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

function pipelineWith(middleware: Middleware) {
  const events: string[] = [];
  const listen: Middleware = {
    name: 'listen',
    handle: (request, context, next) => {
      context.subscribe((event: SluiceEvent) => {
        if (event.type === 'cache') events.push(event.status);
      });
      return next(request);
    },
  };
  return { pipeline: compose([errors(), listen, middleware]), events };
}

/** Lets background writes and refreshes finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('cache', () => {
  it('serves a fresh response from the store: max-age', async () => {
    answer = () => ({ headers: { 'cache-control': 'max-age=60' } });
    const { pipeline, events } = pipelineWith(cache());
    expect(await (await pipeline(`${base}/a`)).text()).toBe('v1');
    version = 2;
    advance(30_000);
    const second = await pipeline(`${base}/a`);
    expect(await second.text()).toBe('v1');
    expect(second.url).toBe(`${base}/a`);
    expect(Number(second.headers.get('age'))).toBe(30);
    expect(seen).toHaveLength(1);
    expect(events).toEqual(['miss', 'hit']);
  });

  it('never stores no-store; never stores private in a shared cache, but does in a private one', async () => {
    answer = (path) => ({ headers: { 'cache-control': path === '/ns' ? 'no-store' : 'private, max-age=60' } });
    const shared = pipelineWith(cache({ shared: true })).pipeline;
    const own = pipelineWith(cache()).pipeline;
    for (let i = 0; i < 2; i++) {
      await (await own(`${base}/ns`)).text();
      await (await shared(`${base}/p`)).text();
      await (await own(`${base}/p`)).text();
    }
    expect(seen.filter((r) => r.path === '/ns')).toHaveLength(2);
    expect(seen.filter((r) => r.path === '/p')).toHaveLength(3);
  });

  it('revalidates with If-None-Match; a 304 serves the stored body and refreshes it', async () => {
    answer = (_path, headers) =>
      headers['if-none-match'] === '"e1"'
        ? { status: 304, headers: { etag: '"e1"', 'cache-control': 'max-age=10' } }
        : { headers: { etag: '"e1"', 'cache-control': 'max-age=10' }, body: 'stored body' };
    const { pipeline, events } = pipelineWith(cache());
    await (await pipeline(`${base}/e`)).text();
    advance(11_000);
    const revalidated = await pipeline(`${base}/e`);
    expect(revalidated.status).toBe(200);
    expect(await revalidated.text()).toBe('stored body');
    expect(seen[1]?.headers['if-none-match']).toBe('"e1"');
    advance(5_000);
    await (await pipeline(`${base}/e`)).text();
    expect(seen).toHaveLength(2);
    expect(events).toEqual(['miss', 'revalidated', 'hit']);
  });

  it('revalidates with If-Modified-Since from Last-Modified, and replaces a changed body', async () => {
    const lastModified = 'Wed, 01 Oct 2025 00:00:00 GMT';
    answer = () => ({ headers: { 'last-modified': lastModified, 'cache-control': 'no-cache' } });
    const { pipeline } = pipelineWith(cache());
    await (await pipeline(`${base}/lm`)).text();
    version = 2;
    expect(await (await pipeline(`${base}/lm`)).text()).toBe('v2');
    expect(seen[1]?.headers['if-modified-since']).toBe(lastModified);
  });

  it('stale-while-revalidate: serves stale at once and refreshes in the background', async () => {
    answer = () => ({ headers: { 'cache-control': 'max-age=1, stale-while-revalidate=60' } });
    const store = memoryStore();
    const { pipeline, events } = pipelineWith(cache({ store }));
    await (await pipeline(`${base}/swr`)).text();
    advance(2_000);
    version = 2;
    expect(await (await pipeline(`${base}/swr`)).text()).toBe('v1');
    // The background revalidation replaces the entry.
    const stored = () => new TextDecoder().decode(store.get(`GET ${base}/swr`)?.body);
    for (let i = 0; i < 500 && stored() !== 'v2'; i++) await settle();
    expect(seen).toHaveLength(2);
    expect(await (await pipeline(`${base}/swr`)).text()).toBe('v2');
    expect(events).toEqual(['miss', 'stale', 'miss', 'hit']);
  });

  it('a shared cache stores a response to a request with credentials only when the rules allow it', async () => {
    answer = (path) => ({ headers: { 'cache-control': path === '/public' ? 'public, max-age=60' : 'max-age=60' } });
    const { pipeline } = pipelineWith(cache({ shared: true }));
    const auth = { headers: { authorization: 'Bearer alice' } };
    for (let i = 0; i < 2; i++) {
      await (await pipeline(`${base}/plain`, auth)).text();
      await (await pipeline(`${base}/public`, auth)).text();
    }
    expect(seen.filter((r) => r.path === '/plain')).toHaveLength(2);
    expect(seen.filter((r) => r.path === '/public')).toHaveLength(1);
    // Credentials an inner middleware adds: `authenticated` applies the same rules.
    const inner = pipelineWith(cache({ shared: true, authenticated: true })).pipeline;
    await (await inner(`${base}/plain`)).text();
    await (await inner(`${base}/plain`)).text();
    expect(seen.filter((r) => r.path === '/plain')).toHaveLength(4);
  });

  it('a private cache never serves one user the response of another', async () => {
    answer = (_path, headers) => ({ headers: { 'cache-control': 'max-age=60' }, body: String(headers.authorization) });
    const store = memoryStore();
    const { pipeline } = pipelineWith(cache({ store }));
    expect(await (await pipeline(`${base}/me`, { headers: { authorization: 'Bearer alice' } })).text()).toBe('Bearer alice');
    expect(await (await pipeline(`${base}/me`, { headers: { authorization: 'Bearer bob' } })).text()).toBe('Bearer bob');
    expect(await (await pipeline(`${base}/me`, { headers: { authorization: 'Bearer alice' } })).text()).toBe('Bearer alice');
    expect(seen).toHaveLength(2);
    expect(store.size).toBe(2);
  });

  it("a header the client names secret splits the key too", async () => {
    answer = (_path, headers) => ({ headers: { 'cache-control': 'max-age=60' }, body: String(headers['x-session']) });
    const pipeline = compose([errors({ secrets: ['x-session'] }), cache()]);
    expect(await (await pipeline(`${base}/s`, { headers: { 'x-session': 'alice' } })).text()).toBe('alice');
    expect(await (await pipeline(`${base}/s`, { headers: { 'x-session': 'bob' } })).text()).toBe('bob');
    expect(seen).toHaveLength(2);
  });

  it('a successful POST drops the stored GET of its URL', async () => {
    answer = () => ({ headers: { 'cache-control': 'max-age=60' } });
    const { pipeline } = pipelineWith(cache());
    await (await pipeline(`${base}/item`)).text();
    await (await pipeline(`${base}/item`, { method: 'POST', body: 'x' })).text();
    version = 2;
    expect(await (await pipeline(`${base}/item`)).text()).toBe('v2');
    expect(seen.map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
  });

  it("honours the request's own Cache-Control: no-cache revalidates a fresh entry", async () => {
    answer = (_path, headers) =>
      headers['if-none-match'] === '"n1"'
        ? { status: 304, headers: { etag: '"n1"', 'cache-control': 'max-age=60' } }
        : { headers: { etag: '"n1"', 'cache-control': 'max-age=60' } };
    const { pipeline, events } = pipelineWith(cache());
    await (await pipeline(`${base}/nc`)).text();
    expect(await (await pipeline(`${base}/nc`, { headers: { 'cache-control': 'no-cache' } })).text()).toBe('v1');
    expect(seen[1]?.headers['if-none-match']).toBe('"n1"');
    expect(events).toEqual(['miss', 'revalidated']);
  });

  it('never stores a body above maxBodyBytes, nor an event stream; both still reach the caller whole', async () => {
    answer = (path) => ({
      headers: { 'cache-control': 'max-age=60', 'content-type': path === '/sse' ? 'text/event-stream' : 'text/plain' },
      ...(path === '/chunked' ? { chunks: ['y'.repeat(600), 'y'.repeat(600)] } : { body: path === '/big' ? 'x'.repeat(5_000) : 'data: 1\n\n' }),
    });
    const store = memoryStore();
    const { pipeline } = pipelineWith(cache({ store, maxBodyBytes: 1_000 }));
    for (let i = 0; i < 2; i++) {
      expect((await (await pipeline(`${base}/big`)).text()).length).toBe(5_000);
      expect(await (await pipeline(`${base}/sse`)).text()).toBe('data: 1\n\n');
      expect((await (await pipeline(`${base}/chunked`)).text()).length).toBe(1_200);
    }
    await settle();
    expect(seen).toHaveLength(6);
    expect(store.size).toBe(0);
  });

  it('a failing store makes a miss, never a failed request', async () => {
    answer = () => ({ headers: { 'cache-control': 'max-age=60' } });
    const broken: CacheStore = {
      get: () => Promise.reject(new Error('store down')),
      set: () => {
        throw new Error('store down');
      },
      delete: () => undefined,
    };
    const { pipeline } = pipelineWith(cache({ store: broken }));
    expect(await (await pipeline(`${base}/b`)).text()).toBe('v1');
    expect(await (await pipeline(`${base}/b`)).text()).toBe('v1');
    expect(seen).toHaveLength(2);
  });

  it('works through createClient, before timeout.total', async () => {
    answer = () => ({ headers: { 'cache-control': 'max-age=60', 'content-type': 'application/json' }, body: '{"n":1}' });
    const client = createClient({ baseUrl: base, middleware: [{ middleware: cache(), before: 'timeout.total' }] });
    expect(client.stack.names().indexOf('cache')).toBeLessThan(client.stack.names().indexOf('retry'));
    for (let i = 0; i < 5; i++) expect(await client.get('config').json()).toEqual({ n: 1 });
    expect(seen).toHaveLength(1);
  });

  it('rejects bad options with a TypeError naming the option', () => {
    expect(() => cache({ store: {} as never })).toThrow(/"store"/);
    expect(() => cache({ key: 'k' as never })).toThrow(/"key"/);
    expect(() => cache({ cacheHeuristic: 2 })).toThrow(/"cacheHeuristic"/);
    expect(() => cache({ maxBodyBytes: -1 })).toThrow(/"maxBodyBytes"/);
    expect(() => memoryStore({ maxEntries: 0 })).toThrow(/"maxEntries"/);
    expect(() => memoryStore({ maxBytes: Number.POSITIVE_INFINITY })).toThrow(/"maxBytes"/);
  });
});

describe('memoryStore', () => {
  const entry = (bytes: number): CacheEntry => ({
    policy: {} as CacheEntry['policy'],
    status: 200,
    statusText: 'OK',
    url: 'u',
    body: new Uint8Array(bytes),
  });

  it('is bounded by entries, least recently used first', () => {
    const store = memoryStore({ maxEntries: 2 });
    store.set('a', entry(1));
    store.set('b', entry(1));
    store.get('a');
    store.set('c', entry(1));
    expect([store.get('a'), store.get('b'), store.get('c')].map(Boolean)).toEqual([true, false, true]);
  });

  it('is bounded by bytes; an entry larger than the bound is not kept', () => {
    const store = memoryStore({ maxBytes: 1_000 });
    store.set('a', entry(500));
    store.set('b', entry(500));
    expect(store.get('a')).toBeUndefined();
    expect(store.get('b')).toBeDefined();
    expect(store.bytes).toBeLessThanOrEqual(1_000);
    store.set('huge', entry(5_000));
    expect(store.get('huge')).toBeUndefined();
    store.delete('b');
    expect(store.size).toBe(0);
    expect(store.bytes).toBe(0);
  });
});
