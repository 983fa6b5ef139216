import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compose, concurrency, type Middleware, QueueFullError } from '@sluice/core';
import fc from 'fast-check';
import { HttpResponse, http, passthrough } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '@sluice/testing/node';

const API = 'https://api.test';
const OTHER = 'https://other.test';

/** A promise with its resolve function exposed. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Waits for `n` macrotask turns: lets queued work run without any wall-time sleep. */
async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Counts requests reaching the network: sits just inside concurrency. */
function probe() {
  const state = { active: 0, max: 0, started: [] as string[] };
  const middleware: Middleware = {
    name: 'probe',
    async handle(request, _context, next) {
      state.active++;
      state.max = Math.max(state.max, state.active);
      state.started.push(new URL(request.url).pathname);
      try {
        return await next(request);
      } finally {
        state.active--;
      }
    },
  };
  return { state, middleware };
}

/** Requests to /hold/<id> wait until `release(id)`; other paths answer at once. */
const holds = new Map<string, ReturnType<typeof deferred<void>>>();
function hold(id: string) {
  const entry = deferred();
  holds.set(id, entry);
  return entry;
}

useServer(
  { beforeAll, afterEach, afterAll },
  http.get(`${API}/hold/:id`, async ({ params }) => {
    await holds.get(String(params.id))?.promise;
    return HttpResponse.json({ id: params.id });
  }),
  http.get(`${OTHER}/hold/:id`, async ({ params }) => {
    await holds.get(String(params.id))?.promise;
    return HttpResponse.json({ id: params.id });
  }),
  http.get(`${API}/ok`, () => HttpResponse.text('ok')),
  http.get(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()),
  http.get(`${API}/fail`, () => HttpResponse.error()),
  http.get(`${API}/random/:id`, async ({ request }) => {
    const wait = Number(request.headers.get('x-ticks') ?? '0');
    await ticks(wait);
    const outcome = request.headers.get('x-outcome');
    if (outcome === 'network') return HttpResponse.error();
    if (outcome === '500') return HttpResponse.text('boom', { status: 500 });
    return HttpResponse.text('ok');
  }),
);
afterEach(() => {
  holds.clear();
});

describe('concurrency: options', () => {
  it.each([
    [{ limit: 0 }, '"limit" must be a positive integer, got 0'],
    [{ limit: -2 }, '"limit" must be a positive integer, got -2'],
    [{ limit: 1.5 }, '"limit" must be a positive integer, got 1.5'],
    [{ limit: Number.NaN }, '"limit" must be a positive integer, got NaN'],
    [{ limit: 1, maxQueue: -1 }, '"maxQueue" must be an integer ≥ 0, got -1'],
    [{ limit: 1, key: 'origin' }, '"key" must be a function (request) => string, got string'],
    [{ limit: 1, release: 'eventually' }, `"release" must be 'headers' or 'body', got "eventually"`],
  ])('rejects %o', (options, message) => {
    expect(() => concurrency(options as never)).toThrow(new TypeError(`concurrency: ${message}.`));
  });

  it('requires options', () => {
    expect(() => concurrency(undefined as never)).toThrow(/options are required/);
  });

  it('is named "concurrency"', () => {
    expect(concurrency({ limit: 1 }).name).toBe('concurrency');
  });
});

describe('concurrency: the semaphore', () => {
  it('holds at most `limit` attempts and releases them in FIFO order', async () => {
    const limiter = concurrency({ limit: 2 });
    const { state, middleware } = probe();
    const pipeline = compose([limiter, middleware]);
    const gates = ['a', 'b', 'c', 'd', 'e'].map((id) => [id, hold(id)] as const);
    const calls = gates.map(([id]) => pipeline(`${API}/hold/${id}`));
    await ticks(5);
    expect(state.started).toEqual(['/hold/a', '/hold/b']);
    expect(limiter.stats()).toEqual({ inFlight: 2, queued: 3 });

    gates[1]![1].resolve();
    await calls[1];
    await ticks(5);
    expect(state.started).toEqual(['/hold/a', '/hold/b', '/hold/c']);
    for (const [, gate] of gates) gate.resolve();
    const bodies = await Promise.all(calls.map(async (call) => (await call).json()));
    expect(bodies.map((b) => (b as { id: string }).id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(state.started).toEqual(['/hold/a', '/hold/b', '/hold/c', '/hold/d', '/hold/e']);
    expect(state.max).toBe(2);
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
  });

  it('releases the slot when the attempt fails', async () => {
    const limiter = concurrency({ limit: 1 });
    const pipeline = compose([limiter]);
    await expect(pipeline(`${API}/fail`)).rejects.toThrow(TypeError);
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
    const thrower: Middleware = {
      name: 'thrower',
      handle: () => Promise.reject(new Error('inner failure')),
    };
    await expect(compose([limiter, thrower])(`${API}/ok`)).rejects.toThrow('inner failure');
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
    expect(await (await pipeline(`${API}/ok`)).text()).toBe('ok');
  });

  it('takes one slot per call of next, so an outer retry holds none while it waits', async () => {
    const limiter = concurrency({ limit: 1 });
    const seen: number[] = [];
    const retryTwice: Middleware = {
      name: 'retry',
      async handle(request, _context, next) {
        await next(request.clone());
        seen.push(limiter.stats().inFlight);
        return next(request.clone());
      },
    };
    const response = await compose([retryTwice, limiter])(`${API}/ok`);
    expect(await response.text()).toBe('ok');
    expect(seen).toEqual([0]);
  });
});

describe('concurrency: aborts', () => {
  it('removes a request aborted while queued at once; it never reaches the network', async () => {
    const limiter = concurrency({ limit: 1 });
    const { state, middleware } = probe();
    const pipeline = compose([limiter, middleware]);
    const gate = hold('first');
    const first = pipeline(`${API}/hold/first`);
    const controller = new AbortController();
    const queued = pipeline(`${API}/ok`, { signal: controller.signal });
    const third = pipeline(`${API}/ok`);
    await ticks(3);
    expect(limiter.stats()).toEqual({ inFlight: 1, queued: 2 });

    controller.abort();
    expect(limiter.stats()).toEqual({ inFlight: 1, queued: 1 });
    await expect(queued).rejects.toMatchObject({ name: 'AbortError' });

    gate.resolve();
    await first;
    await third;
    expect(state.started).toEqual(['/hold/first', '/ok']);
    expect(state.started.length).toBe(2);
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
  });

  it("surfaces the caller's own abort reason", async () => {
    const limiter = concurrency({ limit: 1 });
    const pipeline = compose([limiter]);
    const gate = hold('x');
    const first = pipeline(`${API}/hold/x`);
    const controller = new AbortController();
    const queued = pipeline(`${API}/ok`, { signal: controller.signal });
    await ticks(2);
    const reason = new Error('user left the page');
    controller.abort(reason);
    await expect(queued).rejects.toBe(reason);
    gate.resolve();
    await first;
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
  });

  it('never queues an already aborted request', async () => {
    const limiter = concurrency({ limit: 1 });
    const { state, middleware } = probe();
    const reason = new DOMException('gone', 'AbortError');
    await expect(compose([limiter, middleware])(`${API}/ok`, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(state.started).toEqual([]);
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
  });

  it('releases the slot when a request in flight is aborted', async () => {
    const limiter = concurrency({ limit: 1 });
    const pipeline = compose([limiter]);
    hold('slow');
    const controller = new AbortController();
    const inFlight = pipeline(`${API}/hold/slow`, { signal: controller.signal });
    await ticks(3);
    expect(limiter.stats()).toEqual({ inFlight: 1, queued: 0 });
    controller.abort();
    await expect(inFlight).rejects.toMatchObject({ name: 'AbortError' });
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
  });
});

describe('concurrency: maxQueue', () => {
  it('fails the excess fast with QueueFullError, and lets the rest through', async () => {
    const limiter = concurrency({ limit: 1, maxQueue: 1 });
    const pipeline = compose([limiter]);
    const gate = hold('busy');
    const first = pipeline(`${API}/hold/busy`);
    const second = pipeline(`${API}/ok`);
    const third = pipeline(`${API}/ok`);
    await expect(third).rejects.toBeInstanceOf(QueueFullError);
    await expect(third).rejects.toThrow(
      'Concurrency queue is full: 1 of 1 slots in use and 1 of maxQueue 1 requests waiting.',
    );
    gate.resolve();
    expect((await first).status).toBe(200);
    expect(await (await second).text()).toBe('ok');
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
  });

  it('with maxQueue 0 never queues, and names the key', async () => {
    const limiter = concurrency({ limit: 1, maxQueue: 0, key: (request) => new URL(request.url).origin });
    const pipeline = compose([limiter]);
    const gate = hold('busy');
    const first = pipeline(`${API}/hold/busy`);
    await ticks(2);
    await expect(pipeline(`${API}/ok`)).rejects.toThrow(
      `Concurrency queue is full for key "${API}": 1 of 1 slots in use and 0 of maxQueue 0 requests waiting.`,
    );
    gate.resolve();
    await first;
  });
});

describe('concurrency: key', () => {
  it('gives each key its own limit and queue', async () => {
    const limiter = concurrency({ limit: 1, key: (request) => new URL(request.url).origin });
    const { state, middleware } = probe();
    const pipeline = compose([limiter, middleware]);
    const gates = ['a1', 'a2', 'b1', 'b2'].map((id) => hold(id));
    const calls = [
      pipeline(`${API}/hold/a1`),
      pipeline(`${API}/hold/a2`),
      pipeline(`${OTHER}/hold/b1`),
      pipeline(`${OTHER}/hold/b2`),
    ];
    await ticks(5);
    expect(state.started).toEqual(['/hold/a1', '/hold/b1']);
    expect(limiter.stats(API)).toEqual({ inFlight: 1, queued: 1 });
    expect(limiter.stats(OTHER)).toEqual({ inFlight: 1, queued: 1 });
    expect(limiter.stats('https://unknown.test')).toEqual({ inFlight: 0, queued: 0 });
    expect(limiter.stats()).toEqual({ inFlight: 2, queued: 2 });
    for (const gate of gates) gate.resolve();
    await Promise.all(calls);
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
  });

  it('rejects a key function that does not return a string', async () => {
    const limiter = concurrency({ limit: 1, key: () => 42 as unknown as string });
    await expect(compose([limiter])(`${API}/ok`)).rejects.toThrow(
      new TypeError('concurrency: "key" must return a string, got number.'),
    );
  });
});

describe('concurrency: the property', () => {
  it('never exceeds the limit under random requests with aborts and failures, then drains to zero', async () => {
    const request = fc.record({
      ticks: fc.nat({ max: 4 }),
      outcome: fc.constantFrom('ok', 'ok', 'ok', '500', 'network'),
      abortAfter: fc.option(fc.nat({ max: 6 }), { freq: 3 }),
      key: fc.constantFrom('a', 'b'),
      read: fc.constantFrom('text', 'cancel'),
    });
    let total = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('headers' as const, 'body' as const),
        fc.array(request, { minLength: 150, maxLength: 250 }),
        async (limit, release, requests) => {
          total += requests.length;
          const limiter = concurrency({ limit, release, key: (r) => r.headers.get('x-key') ?? '' });
          const perKey = new Map<string, number>();
          let violation: string | undefined;
          const check: Middleware = {
            name: 'check',
            async handle(req, _context, next) {
              const key = req.headers.get('x-key') ?? '';
              const stats = limiter.stats(key);
              if (stats.inFlight > limit) violation = `inFlight ${stats.inFlight} > ${limit}`;
              const active = (perKey.get(key) ?? 0) + 1;
              perKey.set(key, active);
              if (active > limit) violation = `${active} attempts on the network for key ${key}, limit ${limit}`;
              try {
                return await next(req);
              } finally {
                perKey.set(key, (perKey.get(key) ?? 1) - 1);
              }
            },
          };
          const pipeline = compose([limiter, check]);
          const settled = await Promise.allSettled(
            requests.map(async (r, index) => {
              const controller = new AbortController();
              if (r.abortAfter !== null) ticks(r.abortAfter).then(() => controller.abort());
              const response = await pipeline(`${API}/random/${index}`, {
                signal: controller.signal,
                headers: { 'x-ticks': String(r.ticks), 'x-outcome': r.outcome, 'x-key': r.key },
              });
              if (r.read === 'text') await response.text();
              else await response.body?.cancel();
              return response.status;
            }),
          );
          expect(settled).toHaveLength(requests.length);
          expect(violation).toBeUndefined();
          expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
          expect(limiter.stats('a')).toEqual({ inFlight: 0, queued: 0 });
        },
      ),
      { numRuns: 6 },
    );
    expect(total).toBeGreaterThanOrEqual(900);
  });
});

describe("concurrency: release: 'body'", () => {
  let http1: Server;
  let base: string;
  const pending = new Map<string, ServerResponse>();

  beforeAll(async () => {
    http1 = createServer((req, res) => {
      const path = req.url ?? '/';
      if (path === '/empty') {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'x-kind': 'stream' });
      res.write('first;');
      pending.set(path, res);
    });
    http1.listen(0, '127.0.0.1');
    await once(http1, 'listening');
    base = `http://127.0.0.1:${(http1.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    http1.closeAllConnections();
    http1.close();
  });

  async function waitFor(path: string): Promise<ServerResponse> {
    for (let i = 0; i < 500; i++) {
      const res = pending.get(path);
      if (res) return res;
      await ticks(1);
    }
    throw new Error(`the server never saw ${path}`);
  }

  it('holds the slot until the body is read to the end, keeping status, headers and url', async () => {
    const limiter = concurrency({ limit: 1, release: 'body' });
    const pipeline = compose([limiter]);
    const response = await pipeline(`${base}/full`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-kind')).toBe('stream');
    expect(response.url).toBe(`${base}/full`);
    const copy = response.clone();
    expect([copy.url, copy.redirected, copy.type]).toEqual([`${base}/full`, false, 'basic']);
    expect(response.type).toBe('basic');
    expect(limiter.stats()).toEqual({ inFlight: 1, queued: 0 });

    const next = pipeline(`${base}/after-full`);
    await ticks(3);
    expect(limiter.stats()).toEqual({ inFlight: 1, queued: 1 });

    const text = response.text();
    (await waitFor('/full')).end('last');
    expect(await text).toBe('first;last');
    const after = await next;
    expect(limiter.stats()).toEqual({ inFlight: 1, queued: 0 });
    (await waitFor('/after-full')).end();
    await after.text();
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
  });

  it('releases when the caller cancels the body, once only', async () => {
    const limiter = concurrency({ limit: 1, release: 'body' });
    const response = await compose([limiter])(`${base}/cancelled`);
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first;');
    expect(limiter.stats()).toEqual({ inFlight: 1, queued: 0 });
    await reader.cancel('not interested');
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
    await reader.cancel('again').catch(() => {});
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
  });

  it('releases when the body errors mid-stream', async () => {
    const limiter = concurrency({ limit: 1, release: 'body' });
    const response = await compose([limiter])(`${base}/errored`);
    const text = response.text();
    (await waitFor('/errored')).destroy();
    await expect(text).rejects.toThrow();
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
  });

  it('releases when the caller aborts while the body is held', async () => {
    const limiter = concurrency({ limit: 1, release: 'body' });
    const controller = new AbortController();
    const response = await compose([limiter])(`${base}/aborted`, { signal: controller.signal });
    expect(limiter.stats()).toEqual({ inFlight: 1, queued: 0 });
    controller.abort();
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
    await expect(response.text()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('releases at once when the response has no body', async () => {
    const limiter = concurrency({ limit: 1, release: 'body' });
    const response = await compose([limiter])(`${base}/empty`);
    expect(response.status).toBe(204);
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
  });

  it("with the default 'headers' the slot is free before the body is read", async () => {
    const limiter = concurrency({ limit: 1 });
    const response = await compose([limiter])(`${base}/headers-only`);
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
    const text = response.text();
    (await waitFor('/headers-only')).end('end');
    expect(await text).toBe('first;end');
  });
});
