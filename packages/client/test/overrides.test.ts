import { type Middleware, NotReplayableError, ServerError, TimeoutError } from '@sluice/core';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from '../src/index.js';
import { BASE, deferred, type Echo, echoHandler, hangUntilAborted, noSleep, } from './helpers.js';
import { useServer } from '@sluice/testing/node';

const server = useServer({ beforeAll, afterEach, afterAll }, echoHandler);
afterEach(() => {
  vi.useRealTimers();
});

/** Answers 503 `failures` times, then 200; counts the calls. */
function flaky(failures: number, method: 'get' | 'put' | 'post' = 'get') {
  const state = { calls: 0 };
  server.use(
    http[method](`${BASE}/flaky`, async ({ request }) => {
      state.calls++;
      if (request.body) await request.text();
      return state.calls <= failures ? new HttpResponse('busy', { status: 503 }) : HttpResponse.json({ ok: true });
    }),
  );
  return state;
}

const fastRetry = { sleep: noSleep } as const;


/** Follows a promise: `settled` turns true once it settles; `outcome` is its value or its error. */
function track(promise: Promise<unknown>): { settled: boolean; outcome: Promise<unknown> } {
  const tracked = {
    settled: false,
    outcome: promise.then(
      (value) => value,
      (error: unknown) => error,
    ),
  };
  void tracked.outcome.then(() => {
    tracked.settled = true;
  });
  return tracked;
}

describe('per-request overrides through ky options', () => {
  it('retries by default and honours retry: { limit: 0 } and retry: false per request', async () => {
    const client = createClient({ baseUrl: BASE, retry: fastRetry });
    const ok = flaky(2);
    expect(await client.get('flaky').json()).toEqual({ ok: true });
    expect(ok.calls).toBe(3);

    const once = flaky(5);
    await expect(client.get('flaky', { retry: { limit: 0 } })).rejects.toBeInstanceOf(ServerError);
    expect(once.calls).toBe(1);

    const off = flaky(5);
    await expect(client.get('flaky', { retry: false })).rejects.toBeInstanceOf(ServerError);
    expect(off.calls).toBe(1);
  });

  it('reads a ky-style numeric retry as the limit', async () => {
    const state = flaky(5);
    const error = await createClient({ baseUrl: BASE, retry: fastRetry }).get('flaky', { retry: 1 as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(state.calls).toBe(2);
  });

  it('skips named middlewares per request', async () => {
    const client = createClient({ baseUrl: BASE, retry: fastRetry });
    const state = flaky(5);
    await expect(client.get('flaky', { skip: ['retry'] })).rejects.toBeInstanceOf(ServerError);
    expect(state.calls).toBe(1);
    const echo = await client.get('h', { skip: ['correlationId'] }).json<Echo>();
    expect(echo.headers['x-correlation-id']).toBeUndefined();
    await expect(client.get('h', { skip: ['nope'] })).rejects.toThrow(/Cannot skip middleware "nope"/);
  });

  it('passes a per-request correlation id', async () => {
    const echo = await createClient({ baseUrl: BASE }).get('h', { correlationId: 'fixed-42' }).json<Echo>();
    expect(echo.headers['x-correlation-id']).toBe('fixed-42');
  });

  it('applies a per-request timeout as the total deadline', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const arrived = hangUntilAborted(server);
    const pending = track(createClient({ baseUrl: BASE, retry: false }).get('slow', { timeout: 30 }));
    await arrived;
    await vi.advanceTimersByTimeAsync(29);
    expect(pending.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(pending.settled).toBe(true);
    const error = await pending.outcome;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).phase).toBe('total');
  });

  it('applies a per-request attempt timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const arrived = hangUntilAborted(server);
    const client = createClient({ baseUrl: BASE, retry: false });
    const pending = track(client.get('slow', { timeout: { attempt: 30 } }));
    await arrived;
    await vi.advanceTimersByTimeAsync(29);
    expect(pending.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(pending.settled).toBe(true);
    expect(await pending.outcome).toMatchObject({ name: 'TimeoutError', phase: 'attempt' });
  });

  it('throwHttpErrors: false per request returns the response', async () => {
    server.use(http.get(`${BASE}/missing`, () => HttpResponse.json({ error: 'nope' }, { status: 404 })));
    const client = createClient({ baseUrl: BASE });
    const response = await client.get('missing', { throwHttpErrors: false });
    expect(response.status).toBe(404);
    await expect(client.get('missing')).rejects.toMatchObject({ name: 'NotFoundError', status: 404 });
    const lenient = createClient({ baseUrl: BASE, throwHttpErrors: false });
    expect((await lenient.get('missing')).status).toBe(404);
  });

  it("a caller's abort rejects with the signal's reason, not a TimeoutError", async () => {
    const arrived = hangUntilAborted(server);
    const controller = new AbortController();
    const pending = createClient({ baseUrl: BASE }).get('slow', { signal: controller.signal });
    // Abort once the server holds the request, not after a guessed delay.
    await arrived;
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
  });
});

describe('stream bodies', () => {
  const stream = () => new Blob(['streamed']).stream();

  it('a stream body is sent once and never replayed', async () => {
    const state = flaky(1, 'put');
    const client = createClient({ baseUrl: BASE, retry: fastRetry });
    const error = await client.put('flaky', { body: stream() }).catch((e: unknown) => e);
    expect(state.calls).toBe(1);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).message).toMatch(/stream|replay/i);
  });

  it('a stream body with a bodyFactory is replayed', async () => {
    const state = flaky(1, 'put');
    const client = createClient({ baseUrl: BASE, retry: fastRetry });
    const response = await client.put('flaky', { body: stream(), bodyFactory: () => stream() });
    expect(response.status).toBe(200);
    expect(state.calls).toBe(2);
    expect(NotReplayableError).toBeDefined();
  });
});

describe("ky's own retry and timeout are off", () => {
  it('ky never retries: one call per attempt the pipeline makes', async () => {
    const state = flaky(5);
    await expect(createClient({ baseUrl: BASE, retry: false }).get('flaky')).rejects.toBeInstanceOf(ServerError);
    expect(state.calls).toBe(1);

    let calls = 0;
    server.use(
      http.get(`${BASE}/down`, () => {
        calls++;
        return HttpResponse.error();
      }),
    );
    await expect(createClient({ baseUrl: BASE, retry: false }).get('down')).rejects.toMatchObject({ name: 'NetworkError' });
    expect(calls).toBe(1);
  });

  it("ky's 10 s default timeout does not apply", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const release = deferred();
    server.use(
      http.get(`${BASE}/slow`, async () => {
        await release.promise;
        return HttpResponse.json({ late: true });
      }),
    );
    const pending = createClient({ baseUrl: BASE, timeout: false, retry: false }).get('slow').json();
    await vi.advanceTimersByTimeAsync(20_000);
    release.resolve();
    expect(await pending).toEqual({ late: true });
  });
});

describe('derived stacks', () => {
  const tag = (value: string): Middleware => ({
    name: `tag-${value}`,
    handle(request, _context, next) {
      request.headers.append('x-tags', value);
      return next(request);
    },
  });

  it('withStack derives a client that shares the middleware instances', async () => {
    const client = createClient({ baseUrl: BASE, retry: fastRetry, onEvent: () => {} });
    const derived = client.withStack((stack) => stack.remove('retry').remove('observe'));
    expect(derived.stack.names()).not.toContain('retry');
    expect(derived.stack.get('errors')).toBe(client.stack.get('errors'));
    const state = flaky(1);
    await expect(derived.get('flaky')).rejects.toBeInstanceOf(ServerError);
    expect(state.calls).toBe(1);
    expect(await client.get('flaky').json()).toEqual({ ok: true });
  });

  it('createClient({ ...options, stack }) uses the given stack', async () => {
    const client = createClient({ baseUrl: BASE, headers: { 'x-app': 'a' } });
    const other = createClient({ ...client.options, stack: client.stack.remove('correlationId').use(tag('inner')) });
    const echo = await other.get('h').json<Echo>();
    expect(echo.headers['x-correlation-id']).toBeUndefined();
    expect(echo.headers['x-tags']).toBe('inner');
    expect(echo.headers['x-app']).toBe('a');
  });

  it('places extra middlewares: bare ones innermost, others by anchor', async () => {
    const client = createClient({
      baseUrl: BASE,
      concurrency: 2,
      middleware: [tag('last'), { middleware: tag('first'), before: 'errors' }, { middleware: tag('mid'), after: 'retry' }],
    });
    expect(client.stack.names()).toEqual([
      'tag-first',
      'errors',
      'correlationId',
      'timeout.total',
      'retry',
      'tag-mid',
      'concurrency',
      'auth',
      'timeout.attempt',
      'tag-last',
    ]);
    expect((await client.get('h').json<Echo>()).headers['x-tags']).toBe('first, mid, last');
  });

  it('the standard chain is in the agreed order and leaves out what options turn off', () => {
    const auth: Middleware = { name: 'auth', handle: (request, _context, next) => next(request) };
    expect(createClient({ onEvent: () => {}, concurrency: 4, auth }).stack.names()).toEqual([
      'errors',
      'correlationId',
      'observe',
      'timeout.total',
      'retry',
      'concurrency',
      'auth',
      'timeout.attempt',
    ]);
    expect(createClient({ correlationId: false, retry: false, timeout: false, auth: false }).stack.names()).toEqual(['errors']);
    expect(createClient({ timeout: { attempt: false } }).stack.names()).toEqual(['errors', 'correlationId', 'timeout.total', 'retry', 'auth']);
  });

  it('uses a user-provided terminal fetch', async () => {
    const seen: string[] = [];
    const client = createClient({
      baseUrl: BASE,
      fetch: (request: Request, init?: RequestInit) => {
        seen.push(request.url);
        return fetch(request, init);
      },
    });
    await client.get('via-custom');
    expect(seen).toEqual([`${BASE}/via-custom`]);
  });
});

describe('per-request auth on a client without credentials', () => {
  it('sends no credentials by default and applies a per-request auth to the client origin only', async () => {
    const { basic, bearer } = await import('@sluice/auth');
    const client = createClient({ baseUrl: BASE });
    expect((await client.get('h').json<Echo>()).headers.authorization).toBeUndefined();
    const withBearer = await client.get('h', { auth: bearer('per-call-token') }).json<Echo>();
    expect(withBearer.headers.authorization).toBe('Bearer per-call-token');
    const withBasic = await client.get('h', { auth: basic('ada', 'pw') }).json<Echo>();
    expect(withBasic.headers.authorization).toBe(`Basic ${btoa('ada:pw')}`);
  });
});

describe('client.paginate', () => {
  it('shares one prefixed correlation id across the pages, through ky', async () => {
    const { paginatedCollection, recorder } = await import('@sluice/testing');
    const { pageNumber } = await import('@sluice/core');
    const traffic = recorder();
    const items = Array.from({ length: 7 }, (_, i) => i);
    server.use(...traffic.handlers, ...paginatedCollection(items, 'pageNumber', { url: `${BASE}/items` }).handlers);
    const client = createClient({ baseUrl: BASE, correlationId: { userId: 'u9', applicationId: 'app' } });
    expect(await client.paginate<number>('items', pageNumber({ perPage: 3 })).all()).toEqual(items);
    const ids = traffic.requests.map((request) => request.correlationId);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^u9\/app\//);
  });
});
