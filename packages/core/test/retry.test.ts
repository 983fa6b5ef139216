import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Context, FetchLike, Middleware, RateGate, RetryOptions, SluiceEvent } from '@sluice/core';
import {
  compose,
  createRateGate,
  createRetryBudget,
  errors,
  ServerError,
  timeout,
  DEFAULT_RETRY_METHODS,
  DEFAULT_RETRY_STATUSES, RateLimitError, retry, TimeoutError } from '@sluice/core';
import { useServer } from '@sluice/testing/node';

const URL_ = 'https://api.test/items';
const EPOCH = Date.UTC(2025, 0, 15, 12, 0, 0);
const server = useServer({ beforeAll, afterEach, afterAll });
afterEach(() => {
  vi.useRealTimers();
});

/** An injected clock and sleep: sleeping advances the clock, no wall time passes. */
function fakeTime(start = EPOCH) {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    clock: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    sleep: async (ms: number, signal: AbortSignal) => {
      signal.throwIfAborted();
      sleeps.push(ms);
      now += ms;
    },
  };
}

/** The options most tests use: deterministic jitter, no gate, no budget, injected time. */
function testOptions(time: ReturnType<typeof fakeTime>, extra: RetryOptions = {}): RetryOptions {
  return { random: () => 0.5, gate: false, retryBudget: false, clock: time.clock, sleep: time.sleep, ...extra };
}

/** Answers the n-th request (1-based) with `responses[n-1]` (the last one repeats), recording requests. */
function sequence(method: 'get' | 'post' | 'put' | 'patch' | 'delete', ...responses: Array<() => Response>) {
  const seen: Array<{ headers: Headers; body: string }> = [];
  server.use(
    http[method](URL_, async ({ request }) => {
      seen.push({ headers: request.headers, body: await request.text() });
      const make = responses[Math.min(seen.length, responses.length) - 1] as () => Response;
      return make();
    }),
  );
  return seen;
}

const status = (code: number, headers?: Record<string, string>) => () => new HttpResponse(`status ${code}`, { status: code, headers });
const ok = (body: Record<string, unknown> = { ok: true }) => () => HttpResponse.json(body);

/** A middleware placed outside retry that exposes the context and collects events. */
function probe() {
  const events: SluiceEvent[] = [];
  let context: Context | undefined;
  const middleware: Middleware = {
    name: 'probe',
    handle(request, ctx, next) {
      context = ctx;
      ctx.subscribe((event) => events.push(event));
      return next(request);
    },
  };
  return {
    middleware,
    events,
    get context(): Context {
      if (!context) throw new Error('probe saw no request');
      return context;
    },
  };
}

describe('retry: defaults', () => {
  it('retries 503 with exponential backoff and full jitter, then returns the success', async () => {
    const time = fakeTime();
    const seen = sequence('get', status(503), status(503), ok());
    const spy = probe();
    const pipeline = compose([spy.middleware, retry(testOptions(time))]);
    const response = await pipeline(URL_);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(seen).toHaveLength(3);
    expect(time.sleeps).toEqual([150, 300]);
    expect(spy.context.attempt).toBe(3);
    const retries = spy.events.filter((e) => e.type === 'retry');
    expect(retries.map((e) => [e.attempt, e.reason, e.delayMs])).toEqual([
      [1, 'status 503', 150],
      [2, 'status 503', 300],
    ]);
  });

  it.each([408, 429, 500, 502, 503, 504])('retries status %i by default', async (code) => {
    const time = fakeTime();
    const seen = sequence('get', status(code), ok());
    const response = await compose([retry(testOptions(time))])(URL_);
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(2);
  });

  it.each([400, 401, 404, 501])('does not retry status %i', async (code) => {
    const time = fakeTime();
    const seen = sequence('get', status(code), ok());
    const response = await compose([retry(testOptions(time))])(URL_);
    expect(response.status).toBe(code);
    expect(seen).toHaveLength(1);
  });

  it('makes 4 attempts, then returns the last response with context.attempt = 4', async () => {
    const time = fakeTime();
    let count = 0;
    server.use(http.get(URL_, () => new HttpResponse(`failure ${++count}`, { status: 500 })));
    const spy = probe();
    const response = await compose([spy.middleware, retry(testOptions(time))])(URL_);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('failure 4');
    expect(spy.context.attempt).toBe(4);
    expect(spy.context.state.retryStopped).toBeUndefined();
    expect(time.sleeps).toEqual([150, 300, 600]);
  });

  it('retries network errors and rethrows the last one when retries run out', async () => {
    const time = fakeTime();
    const seen = sequence('get', () => HttpResponse.error(), ok());
    const first = await compose([retry(testOptions(time))])(URL_);
    expect(first.status).toBe(200);
    expect(seen).toHaveLength(2);

    server.resetHandlers();
    const failing = sequence('get', () => HttpResponse.error());
    const spy = probe();
    await expect(compose([spy.middleware, retry(testOptions(time, { limit: 2 }))])(URL_)).rejects.toThrow(TypeError);
    expect(failing).toHaveLength(3);
    expect(spy.context.attempt).toBe(3);
    expect(spy.events.filter((e) => e.type === 'retry').map((e) => e.type === 'retry' && e.reason)).toEqual([
      expect.stringMatching(/^network error: /),
      expect.stringMatching(/^network error: /),
    ]);
  });

  it('lists the default methods and statuses', () => {
    expect(DEFAULT_RETRY_METHODS).toEqual(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE', 'QUERY']);
    expect(DEFAULT_RETRY_STATUSES).toEqual([408, 429, 500, 502, 503, 504]);
  });

  // TRACE is a forbidden method for `new Request`, so it cannot be sent through fetch here.
  it.each(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'QUERY'])('retries %s', async (method) => {
    const time = fakeTime();
    const seen: string[] = [];
    const fetch: FetchLike = async (request) => {
      seen.push(request.method);
      return new Response(null, { status: seen.length === 1 ? 503 : 204 });
    };
    const response = await compose([retry(testOptions(time))], { fetch })(URL_, { method });
    expect(response.status).toBe(204);
    expect(seen).toEqual([method, method]);
  });
});

describe('retry: idempotency', () => {
  it.each(['post', 'patch'] as const)('does not retry %s without an Idempotency-Key, and says why', async (method) => {
    const time = fakeTime();
    const seen = sequence(method, status(503), ok());
    const spy = probe();
    const response = await compose([spy.middleware, retry(testOptions(time))])(URL_, { method: method.toUpperCase(), body: 'x' });
    expect(response.status).toBe(503);
    expect(seen).toHaveLength(1);
    expect(spy.context.state.retryStopped).toBe(
      `not retried: ${method.toUpperCase()} is not idempotent; send an Idempotency-Key header or use retry({ idempotencyKey: true })`,
    );
  });

  it('does not retry a POST network error either', async () => {
    const time = fakeTime();
    const seen = sequence('post', () => HttpResponse.error());
    await expect(compose([retry(testOptions(time))])(URL_, { method: 'POST', body: 'x' })).rejects.toThrow(TypeError);
    expect(seen).toHaveLength(1);
  });

  it('retries a POST that carries its own Idempotency-Key, with the same key and body every time', async () => {
    const time = fakeTime();
    const seen = sequence('post', status(502), status(503), ok());
    const response = await compose([retry(testOptions(time))])(URL_, {
      method: 'POST',
      headers: { 'idempotency-key': 'order-42' },
      body: JSON.stringify({ sku: 7 }),
    });
    expect(response.status).toBe(200);
    expect(seen.map((r) => r.headers.get('idempotency-key'))).toEqual(['order-42', 'order-42', 'order-42']);
    expect(seen.map((r) => r.body)).toEqual(Array(3).fill('{"sku":7}'));
  });

  it('with idempotencyKey: true adds one UUID key, stable across attempts, to POST and PATCH', async () => {
    const time = fakeTime();
    for (const method of ['post', 'patch'] as const) {
      server.resetHandlers();
      const seen = sequence(method, status(500), () => HttpResponse.error(), ok());
      const response = await compose([retry(testOptions(time, { idempotencyKey: true }))])(URL_, {
        method: method.toUpperCase(),
        body: 'b',
      });
      expect(response.status).toBe(200);
      const keys = seen.map((r) => r.headers.get('idempotency-key'));
      expect(keys).toHaveLength(3);
      expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(new Set(keys).size).toBe(1);
    }
  });

  it('with idempotencyKey: true leaves GET alone and keeps a caller key', async () => {
    const time = fakeTime();
    const gets = sequence('get', ok());
    await compose([retry(testOptions(time, { idempotencyKey: true }))])(URL_);
    expect(gets[0]?.headers.has('idempotency-key')).toBe(false);
    const posts = sequence('post', ok());
    await compose([retry(testOptions(time, { idempotencyKey: true }))])(URL_, {
      method: 'POST',
      headers: { 'Idempotency-Key': 'mine' },
    });
    expect(posts[0]?.headers.get('idempotency-key')).toBe('mine');
  });
});

describe('retry: server delays (Retry-After and friends)', () => {
  const httpDate = new Date(EPOCH + 7_000);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][httpDate.getUTCDay()];
  const longDay = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][httpDate.getUTCDay()];
  const forms: Array<[string, Record<string, string>, number]> = [
    ['delay-seconds', { 'retry-after': '4' }, 4_000],
    ['IMF-fixdate', { 'retry-after': httpDate.toUTCString() }, 7_000],
    ['RFC 850 date', { 'retry-after': `${longDay}, 15-Jan-25 12:00:07 GMT` }, 7_000],
    ['asctime date', { 'retry-after': `${day} Jan 15 12:00:07 2025` }, 7_000],
    ['RateLimit t=', { ratelimit: '"default";r=0;t=3', 'ratelimit-policy': '"default";q=100;w=60' }, 3_000],
    ['RateLimit-Reset', { 'ratelimit-reset': '5' }, 5_000],
    ['X-RateLimit-Reset (epoch seconds)', { 'x-ratelimit-reset': String((EPOCH + 9_000) / 1000) }, 9_000],
    ['X-RateLimit-Reset (delta seconds)', { 'x-ratelimit-reset': '2' }, 2_000],
    ['X-RateLimit-Reset-After', { 'x-ratelimit-reset-after': '6' }, 6_000],
  ];

  it.each(forms)('waits the %s delay on a 429', async (_form, headers, expected) => {
    const time = fakeTime();
    const seen = sequence('get', status(429, headers), ok());
    const response = await compose([retry(testOptions(time))])(URL_);
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(2);
    expect(time.sleeps).toEqual([expected]);
  });

  it('honours Retry-After on 503 too, but not on 500', async () => {
    const time = fakeTime();
    sequence('get', status(503, { 'retry-after': '2' }), status(500, { 'retry-after': '9' }), ok());
    await compose([retry(testOptions(time))])(URL_);
    expect(time.sleeps).toEqual([2_000, 300]);
  });

  it('ignores a malformed Retry-After and falls back to backoff', async () => {
    const time = fakeTime();
    sequence('get', status(429, { 'retry-after': 'soon-ish' }), status(429, { 'retry-after': 'in 3 seconds' }), ok());
    const response = await compose([retry(testOptions(time))])(URL_);
    expect(response.status).toBe(200);
    expect(time.sleeps).toEqual([150, 300]);
  });

  it('fails at once with RateLimitError when the delay exceeds maxRetryAfter (60 s by default)', async () => {
    const time = fakeTime();
    const seen = sequence('get', status(429, { 'retry-after': '61' }), ok());
    const spy = probe();
    const error = await compose([spy.middleware, retry(testOptions(time))])(URL_).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    const rateLimit = error as RateLimitError;
    expect(rateLimit.retryAfter).toBe(61_000);
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.attempts).toBe(1);
    expect(rateLimit.message).toContain('the server asked to wait 61000 ms, more than maxRetryAfter (60000 ms)');
    expect(spy.context.state.retryStopped).toContain('maxRetryAfter');
    expect(seen).toHaveLength(1);
    expect(time.sleeps).toEqual([]);
  });

  it('takes a custom maxRetryAfter, and fails fast on a 503 delay above it too', async () => {
    const time = fakeTime();
    sequence('get', status(503, { 'retry-after': '3' }), ok());
    const error = await compose([retry(testOptions(time, { maxRetryAfter: 2_000 }))])(URL_).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).status).toBe(503);
    expect((error as RateLimitError).retryAfter).toBe(3_000);
  });

  it('fails fast with RateLimitError rather than sleep past the maxElapsed deadline', async () => {
    const time = fakeTime();
    const seen = sequence('get', status(503), status(429, { 'retry-after': '30' }), ok());
    const fetch = compose([retry(testOptions(time, { maxElapsed: 10_000, backoff: () => 1_000 }))]);
    const error = await fetch(URL_).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(30_000);
    expect((error as RateLimitError).attempts).toBe(2);
    expect((error as RateLimitError).message).toMatch(/past the maxElapsed deadline \(9000 ms left of 10000 ms\)/);
    expect(seen).toHaveLength(2);
    expect(time.sleeps).toEqual([1_000]);
  });
});

describe('retry: maxElapsed and backoff', () => {
  it('starts no attempt once maxElapsed is spent, and records why', async () => {
    const time = fakeTime();
    const seen = sequence('get', status(500));
    const spy = probe();
    const fetch = compose([spy.middleware, retry(testOptions(time, { maxElapsed: 5_000, limit: 10, backoff: () => 2_000 }))]);
    const response = await fetch(URL_);
    expect(response.status).toBe(500);
    expect(seen).toHaveLength(3);
    expect(time.sleeps).toEqual([2_000, 2_000]);
    expect(spy.context.state.retryStopped).toBe(
      'retry stopped: the maxElapsed budget of 5000 ms would run out before the next attempt',
    );
  });

  it('counts the time attempts take against maxElapsed', async () => {
    const time = fakeTime();
    const seen: number[] = [];
    const fetch: FetchLike = async () => {
      seen.push(time.clock());
      time.advance(4_000);
      return new Response(null, { status: 503 });
    };
    await compose([retry(testOptions(time, { maxElapsed: 10_000, backoff: () => 500 }))], { fetch })(URL_);
    expect(seen.map((t) => t - EPOCH)).toEqual([0, 4_500, 9_000]);
  });

  it('caps the exponential backoff at maxDelay', async () => {
    const time = fakeTime();
    sequence('get', status(500));
    const options = testOptions(time, { limit: 6, random: () => 0.999_999, baseDelay: 100, maxDelay: 1_000 });
    await compose([retry(options)])(URL_);
    expect(time.sleeps).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('takes a custom backoff(retry, context)', async () => {
    const time = fakeTime();
    sequence('get', status(500));
    const calls: Array<[number, number]> = [];
    const backoff = (n: number, context: Context) => {
      calls.push([n, context.attempt]);
      return n * 10;
    };
    await compose([retry(testOptions(time, { backoff }))])(URL_);
    expect(calls).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(time.sleeps).toEqual([10, 20, 30]);
  });

  it('rejects a backoff that returns a bad delay, naming it', async () => {
    const time = fakeTime();
    sequence('get', status(500));
    const fetch = compose([retry(testOptions(time, { backoff: () => Number.NaN }))]);
    await expect(fetch(URL_)).rejects.toThrow('retry: "backoff" must return a finite number of ms ≥ 0, got NaN for retry 1 (at most 2147483647, the longest timer).');
  });
});

describe('retry: retryOn', () => {
  it('retries a 200 with an empty result (retry_when_empty_result) and leaves the caller body intact', async () => {
    const time = fakeTime();
    const seen = sequence('get', ok({ items: [] }), ok({ items: [] }), ok({ items: [1, 2] }));
    const spy = probe();
    const retryOn = async (response: Response) => {
      if (!response.ok) return undefined;
      const body = (await response.json()) as { items: unknown[] };
      return body.items.length === 0;
    };
    const response = await compose([spy.middleware, retry(testOptions(time, { retryOn }))])(URL_);
    expect(response.bodyUsed).toBe(false);
    expect(await response.json()).toEqual({ items: [1, 2] });
    expect(seen).toHaveLength(3);
    const reasons = spy.events.flatMap((e) => (e.type === 'retry' ? [e.reason] : []));
    expect(reasons).toEqual(['retryOn asked for a retry (status 200)', 'retryOn asked for a retry (status 200)']);
  });

  it('retries a 200 with a completely empty body', async () => {
    const time = fakeTime();
    const seen = sequence('get', () => new HttpResponse(null, { status: 200 }), () => new HttpResponse('data'));
    const retryOn = async (response: Response) => (await response.text()) === '';
    const response = await compose([retry(testOptions(time, { retryOn }))])(URL_);
    expect(await response.text()).toBe('data');
    expect(seen).toHaveLength(2);
  });

  it('returns the last empty result when retries run out', async () => {
    const time = fakeTime();
    sequence('get', ok({ items: [] }));
    const retryOn = async (response: Response) => ((await response.json()) as { items: unknown[] }).items.length === 0;
    const response = await compose([retry(testOptions(time, { retryOn, limit: 2 }))])(URL_);
    expect(await response.json()).toEqual({ items: [] });
  });

  it('can forbid a retry, and undefined keeps the defaults', async () => {
    const time = fakeTime();
    const seen = sequence('get', status(503, { 'x-final': '1' }), ok());
    const response = await compose([
      retry(testOptions(time, { retryOn: (r) => (r.headers.get('x-final') ? false : undefined) })),
    ])(URL_);
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('status 503');
    expect(seen).toHaveLength(1);

    server.resetHandlers();
    const again = sequence('get', status(503), ok());
    const retried = await compose([retry(testOptions(time, { retryOn: () => undefined }))])(URL_);
    expect(retried.status).toBe(200);
    expect(again).toHaveLength(2);
  });

  it('propagates an error thrown by retryOn', async () => {
    const time = fakeTime();
    sequence('get', ok());
    const retryOn = () => {
      throw new Error('bad predicate');
    };
    await expect(compose([retry(testOptions(time, { retryOn }))])(URL_)).rejects.toThrow('bad predicate');
  });
});

describe('retry: per-request overrides', () => {
  it('retry: false and retry: { limit: 0 } send once', async () => {
    const time = fakeTime();
    const seen = sequence('get', status(503));
    const fetch = compose([retry(testOptions(time))]);
    expect((await fetch(URL_, { retry: false })).status).toBe(503);
    expect((await fetch(URL_, { retry: { limit: 0 } })).status).toBe(503);
    expect(seen).toHaveLength(2);
    expect(time.sleeps).toEqual([]);
  });

  it('merges an override object over the client options', async () => {
    const time = fakeTime();
    const seen = sequence('get', status(418));
    const fetch = compose([retry(testOptions(time, { backoff: () => 7 }))]);
    await fetch(URL_, { retry: { limit: 1, statuses: [418] } });
    expect(seen).toHaveLength(2);
    expect(time.sleeps).toEqual([7]);
  });

  it('refuses per-request budget options, which would make a new budget per request', async () => {
    const fetch = compose([retry({ gate: false })]);
    await expect(fetch(URL_, { retry: { retryBudget: { capacity: 5 } } })).rejects.toThrow(
      /per-request "retryBudget" must be false or a RetryBudget object/,
    );
  });

  it('rejects a bad override with a TypeError naming it', async () => {
    const fetch = compose([retry({ gate: false })]);
    await expect(fetch(URL_, { retry: { limit: -2 } })).rejects.toThrow(
      'retry (per-request option): "limit" must be an integer ≥ 0, got -2.',
    );
  });
});

describe('retry: option validation', () => {
  it.each<[RetryOptions, string]>([
    [{ limit: 1.5 }, '"limit" must be an integer ≥ 0, got 1.5'],
    [{ maxElapsed: -1 }, '"maxElapsed" must be a number of ms ≥ 0, got -1'],
    [{ maxElapsed: 0 }, '"maxElapsed" must be above 0 ms (0 would refuse every request before it is sent; "limit: 0" sends once), got 0'],
    [{ maxRetryAfter: Number.NaN }, '"maxRetryAfter" must be a number of ms ≥ 0, got NaN'],
    [{ statuses: [42] }, '"statuses" must be an array of HTTP status codes (100-599), got 42'],
    [{ methods: 'GET' as unknown as string[] }, '"methods" must be an array of method names, got GET'],
    [{ retryOn: true as unknown as () => boolean }, '"retryOn" must be a function, got boolean'],
    [{ gate: {} as RateGate }, '"gate" must be a RateGate (from createRateGate()) or false'],
    [{ retryBudget: { capacity: -5 } }, '"capacity" must be a finite number ≥ 0, got -5'],
  ])('throws a TypeError at creation for %o', (options, message) => {
    expect(() => retry(options)).toThrow(TypeError);
    expect(() => retry(options)).toThrow(message);
  });
});

describe('retry: non-retryable errors and aborts', () => {
  it('retries an attempt TimeoutError but never a total one', async () => {
    const time = fakeTime();
    let calls = 0;
    const failing = (phase: 'attempt' | 'total'): Middleware => ({
      name: 'fail',
      async handle(request, _context, next) {
        calls++;
        if (calls === 1) throw new TimeoutError(phase, 1_000);
        return next(request);
      },
    });
    const fetch: FetchLike = async () => new Response('fine');
    const spy = probe();
    const response = await compose([spy.middleware, retry(testOptions(time)), failing('attempt')], { fetch })(URL_);
    expect(await response.text()).toBe('fine');
    expect(spy.events.flatMap((e) => (e.type === 'retry' ? [e.reason] : []))).toEqual(['attempt timeout (1000 ms)']);

    calls = 0;
    const error = await compose([retry(testOptions(time)), failing('total')], { fetch })(URL_).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(calls).toBe(1);
  });

  it('does not retry other errors', async () => {
    const time = fakeTime();
    let calls = 0;
    const fetch: FetchLike = async () => {
      calls++;
      throw new RangeError('bug');
    };
    await expect(compose([retry(testOptions(time))], { fetch })(URL_)).rejects.toThrow('bug');
    expect(calls).toBe(1);
  });

  it('does not retry a caller abort during flight', async () => {
    const time = fakeTime();
    const controller = new AbortController();
    let calls = 0;
    const fetch: FetchLike = async () => {
      calls++;
      controller.abort();
      throw new TypeError('fetch failed');
    };
    const error = await compose([retry(testOptions(time))], { fetch })(URL_, { signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
  });

  it('ends a backoff sleep at once on abort, with the signal reason, and clears its timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const controller = new AbortController();
    let calls = 0;
    const fetch: FetchLike = async () => {
      calls++;
      return new Response(null, { status: 503 });
    };
    let retrying: () => void = () => {};
    const retried = new Promise<void>((resolve) => {
      retrying = resolve;
    });
    const listen: Middleware = {
      name: 'listen',
      handle(request, context, next) {
        context.subscribe((event) => event.type === 'retry' && retrying());
        return next(request);
      },
    };
    const timersBefore = vi.getTimerCount();
    const pending = compose([listen, retry({ gate: false, retryBudget: false, backoff: () => 50_000 })], { fetch })(URL_, {
      signal: controller.signal,
    }).catch((e: unknown) => e);
    await retried;
    await Promise.resolve();
    expect(vi.getTimerCount()).toBe(timersBefore + 1);
    controller.abort();
    const error = await pending;
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(vi.getTimerCount()).toBe(timersBefore);
    expect(calls).toBe(1);
  });

  it('surfaces a custom abort reason from the backoff sleep', async () => {
    const controller = new AbortController();
    const fetch: FetchLike = async () => new Response(null, { status: 500 });
    const sleep = (_ms: number, signal: AbortSignal) =>
      new Promise<void>((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        controller.abort(new Error('user left'));
      });
    const fetchWithRetry = compose([retry({ gate: false, retryBudget: false, sleep })], { fetch });
    await expect(fetchWithRetry(URL_, { signal: controller.signal })).rejects.toThrow('user left');
  });
});

describe('retry: bodies that cannot be replayed', () => {
  const streamOf = (text: string) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text));
        controller.close();
      },
    });

  it('sends a streamed body once and records why it was not retried', async () => {
    const time = fakeTime();
    const seen = sequence('put', status(503), ok());
    const spy = probe();
    const response = await compose([spy.middleware, retry(testOptions(time))])(URL_, {
      method: 'PUT',
      body: streamOf('payload'),
    });
    expect(response.status).toBe(503);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.body).toBe('payload');
    expect(spy.context.state.retryStopped).toBe(
      'not retried: the request body is a one-shot stream; pass a "bodyFactory" option to make it replayable',
    );
  });

  it('replays a streamed body built by bodyFactory on every attempt', async () => {
    const time = fakeTime();
    const seen = sequence('put', status(503), ok());
    let built = 0;
    const response = await compose([retry(testOptions(time))])(URL_, {
      method: 'PUT',
      body: streamOf('payload'),
      bodyFactory: () => streamOf(`payload ${++built}`),
    });
    expect(response.status).toBe(200);
    expect(seen.map((r) => r.body)).toEqual(['payload 1', 'payload 2']);
  });

  it('refuses a Request whose body the caller already consumed, as fetch does, before any attempt', async () => {
    const time = fakeTime();
    let calls = 0;
    const fetch: FetchLike = async () => {
      calls++;
      return new Response(null, { status: 503 });
    };
    const used = new Request(URL_, { method: 'PUT', body: 'x' });
    await used.text();
    await expect(compose([retry(testOptions(time))], { fetch })(used)).rejects.toThrow(/already been used/);
    expect(calls).toBe(0);
  });
});

describe('retry: the retry budget', () => {
  it('drains, fails fast when empty with "retry budget exhausted", and refills on clean successes', async () => {
    const time = fakeTime();
    const budget = createRetryBudget({ capacity: 10 });
    let mode: 'fail' | 'ok' = 'fail';
    let calls = 0;
    const fetch: FetchLike = async () => {
      calls++;
      return new Response(null, { status: mode === 'fail' ? 503 : 200 });
    };
    const spy = probe();
    const pipeline = compose([spy.middleware, retry(testOptions(time, { retryBudget: budget }))], { fetch });

    expect((await pipeline(URL_)).status).toBe(503);
    expect(calls).toBe(3); // two retries at 5 tokens each, then empty
    expect(budget.available).toBe(0);
    expect(spy.context.state.retryStopped).toBe('retry budget exhausted (0 of 10 tokens left)');

    calls = 0;
    await pipeline(URL_);
    expect(calls).toBe(1);

    mode = 'ok';
    for (let i = 0; i < 5; i++) await pipeline(URL_);
    expect(budget.available).toBe(5);

    mode = 'fail';
    calls = 0;
    await pipeline(URL_);
    expect(calls).toBe(2);
    expect(budget.available).toBe(0);
  });

  it('charges 10 tokens for a retry after a network error', async () => {
    const time = fakeTime();
    const budget = createRetryBudget({ capacity: 25 });
    sequence('get', () => HttpResponse.error(), () => HttpResponse.error(), ok());
    const response = await compose([retry(testOptions(time, { retryBudget: budget }))])(URL_);
    expect(response.status).toBe(200);
    expect(budget.available).toBe(5);
  });

  it('does not refund a success that needed a retry', async () => {
    const time = fakeTime();
    const budget = createRetryBudget({ capacity: 100 });
    sequence('get', status(500), ok());
    await compose([retry(testOptions(time, { retryBudget: budget }))])(URL_);
    expect(budget.available).toBe(95);
  });

  it('is one bucket of 500 per retry() instance by default, and retryBudget: false turns it off', async () => {
    const time = fakeTime();
    let calls = 0;
    const fetch: FetchLike = async () => {
      calls++;
      return new Response(null, { status: 503 });
    };
    const endless = { limit: 1_000, maxElapsed: Number.POSITIVE_INFINITY, backoff: () => 0 };
    const budgeted = compose([retry({ ...testOptions(time, endless), retryBudget: undefined })], { fetch });
    await budgeted(URL_);
    expect(calls).toBe(101); // 500 tokens at 5 per retry
    calls = 0;
    await budgeted(URL_);
    expect(calls).toBe(1);

    calls = 0;
    await compose([retry(testOptions(time, { ...endless, limit: 150 }))], { fetch })(URL_);
    expect(calls).toBe(151);
  });
});

describe('retry: the rate-limit gate', () => {
  function recordingGate(closedMs = 0) {
    const log: string[] = [];
    const gate: RateGate = {
      async acquire(origin, signal) {
        signal.throwIfAborted();
        log.push(`acquire ${origin}`);
      },
      observe(origin, response) {
        log.push(`observe ${origin} ${response ? response.status : 'network-error'}`);
      },
      closedFor: () => closedMs,
    };
    return { gate, log };
  }

  it('acquires before every attempt, the first included, and observes after each', async () => {
    const time = fakeTime();
    const { gate, log } = recordingGate();
    sequence('get', status(503), () => HttpResponse.error(), ok());
    await compose([retry(testOptions(time, { gate }))])(URL_);
    expect(log).toEqual([
      'acquire https://api.test',
      'observe https://api.test 503',
      'acquire https://api.test',
      'observe https://api.test network-error',
      'acquire https://api.test',
      'observe https://api.test 200',
    ]);
  });

  it('leaves the server delay to the gate and sleeps only for what the gate does not cover', async () => {
    const time = fakeTime();
    const covering = recordingGate(4_000);
    sequence('get', status(429, { 'retry-after': '4' }), ok());
    const spy = probe();
    await compose([spy.middleware, retry(testOptions(time, { gate: covering.gate }))])(URL_);
    expect(time.sleeps).toEqual([]);
    expect(spy.events.flatMap((e) => (e.type === 'retry' ? [e.delayMs] : []))).toEqual([4_000]);

    server.resetHandlers();
    const partial = recordingGate(1_000);
    sequence('get', status(429, { 'retry-after': '4' }), ok());
    await compose([retry(testOptions(time, { gate: partial.gate }))])(URL_);
    expect(time.sleeps).toEqual([3_000]);
  });

  it('gives up rather than wait at a gate that stays closed past the deadline', async () => {
    const time = fakeTime();
    const { gate } = recordingGate(20_000);
    const seen = sequence('get', status(500), ok());
    const spy = probe();
    const response = await compose([spy.middleware, retry(testOptions(time, { gate, maxElapsed: 10_000 }))])(URL_);
    expect(response.status).toBe(500);
    expect(seen).toHaveLength(1);
    expect(spy.context.state.retryStopped).toMatch(/maxElapsed budget of 10000 ms/);
  });

  it('passes an abort while waiting at the gate straight through', async () => {
    const controller = new AbortController();
    const gate: RateGate = {
      acquire: (_origin, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
      observe() {},
      closedFor: () => 0,
    };
    let calls = 0;
    const fetch: FetchLike = async () => {
      calls++;
      return new Response(null);
    };
    const pending = compose([retry({ gate })], { fetch })(URL_, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(0);
  });
});

describe('retry: with errors, timeout and the real gate', () => {
  it('returns the last failure mapped by errors, with attempts set', async () => {
    const time = fakeTime();
    sequence('get', status(503));
    const error = await compose([errors(), retry(testOptions(time))])(URL_).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).attempts).toBe(4);
    expect((error as ServerError).message).toBe('GET https://api.test/items failed with 503 Service Unavailable');
  });

  it('puts the reason a streamed body was not retried in the error message', async () => {
    const time = fakeTime();
    sequence('put', status(503));
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('chunk'));
        controller.close();
      },
    });
    const error = await compose([errors(), retry(testOptions(time))])(URL_, { method: 'PUT', body }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).attempts).toBe(1);
    expect((error as ServerError).message).toBe(
      'PUT https://api.test/items failed with 503 Service Unavailable (not retried: the request body is a one-shot stream; pass a "bodyFactory" option to make it replayable)',
    );
  });

  it('states the fail-fast reason once in a RateLimitError', async () => {
    const time = fakeTime();
    sequence('get', status(429, { 'retry-after': '3600' }));
    const error = await compose([errors(), retry(testOptions(time))])(URL_).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(3_600_000);
    expect((error as RateLimitError).message).toBe(
      'GET https://api.test/items failed with 429 Too Many Requests (not retried: the server asked to wait 3600000 ms, more than maxRetryAfter (60000 ms))',
    );
  });

  it('retries an attempt timeout from timeout({ attempt }) and is stopped by timeout({ total })', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const hanging: FetchLike = (request, init) => {
      calls++;
      const signal = init?.signal ?? request.signal;
      if (calls === 2) return Promise.resolve(new Response('second'));
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    };
    const options: RetryOptions = { gate: false, retryBudget: false, backoff: () => 100 };
    const pending = compose([retry(options), timeout({ attempt: 1_000 })], { fetch: hanging })(URL_);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(await (await pending).text()).toBe('second');
    expect(calls).toBe(2);

    calls = 10;
    const bounded = compose([timeout({ total: 2_500 }), retry(options), timeout({ attempt: 1_000 })], { fetch: hanging });
    const failure = bounded(URL_).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(3_000);
    const error = await failure;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).phase).toBe('total');
    expect(calls).toBe(13);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('holds retries and new requests to the origin at the shared gate after a 429, not other origins', async () => {
    vi.useFakeTimers({ now: EPOCH });
    const sent: Array<[string, number]> = [];
    let first = true;
    const fetch: FetchLike = async (request) => {
      sent.push([new URL(request.url).host, Date.now() - EPOCH]);
      if (first && request.url.startsWith(URL_)) {
        first = false;
        return new Response(null, { status: 429, headers: { 'retry-after': '1' } });
      }
      return new Response('ok');
    };
    const gate = createRateGate({ adaptive: false, releaseWindowMs: 0 });
    const pipeline = compose([retry({ gate, retryBudget: false })], { fetch });
    const limited = pipeline(URL_);
    await vi.advanceTimersByTimeAsync(0);
    const sameOrigin = pipeline('https://api.test/other');
    const otherOrigin = pipeline('https://elsewhere.test/x');
    await vi.advanceTimersByTimeAsync(10);
    expect(sent).toEqual([
      ['api.test', 0],
      ['elsewhere.test', 0],
    ]);
    await vi.advanceTimersByTimeAsync(1_500);
    await Promise.all([limited, sameOrigin, otherOrigin]);
    expect(sent.slice(2).map(([host]) => host)).toEqual(['api.test', 'api.test']);
    for (const [, at] of sent.slice(2)) expect(at).toBeGreaterThanOrEqual(1_000);
  });
});
