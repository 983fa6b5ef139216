import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  cloneForReplay,
  compose,
  type Context,
  correlationId,
  type FetchLike,
  type Middleware,
  TimeoutError,
  timeout,
} from '@sluice/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const URL_ = 'https://timeout.test/slow?token=s3cret';

/** A fetch that answers after `delays[n]` ms for the n-th call (Infinity: never), honouring the signal. */
function scriptedFetch(delays: number[]): FetchLike & { calls: number } {
  const fn = ((request: Request, init?: RequestInit) => {
    const delay = delays[fn.calls++] ?? Number.POSITIVE_INFINITY;
    const signal = init?.signal ?? request.signal;
    return new Promise<Response>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const timer = Number.isFinite(delay) ? setTimeout(() => resolve(new Response(`after ${delay}`)), delay) : undefined;
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });
  }) as FetchLike & { calls: number };
  fn.calls = 0;
  return fn;
}

/** Retries attempt timeouts, up to 5 attempts. */
const retryOnAttemptTimeout: Middleware = {
  name: 'retry',
  async handle(request, context, next) {
    for (;;) {
      try {
        return await next(await cloneForReplay(request, context, 'retry'));
      } catch (error) {
        if (!(error instanceof TimeoutError && error.phase === 'attempt') || context.attempt >= 5) throw error;
        context.attempt++;
      }
    }
  },
};

async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe('timeout (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rejects with a total TimeoutError carrying phase, ms, correlation id and a redacted URL', async () => {
    const pipeline = compose([correlationId({ id: 'cid-7' }), timeout({ total: 1000 })], { fetch: scriptedFetch([5000]) });
    const result = settle(pipeline(URL_));
    await vi.advanceTimersByTimeAsync(999);
    expect(vi.getTimerCount()).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    const { error } = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ phase: 'total', timeoutMs: 1000, correlationId: 'cid-7' });
    expect((error as Error).message).toBe(
      'The total timeout of 1000 ms elapsed before the response headers of GET https://timeout.test/slow?token=%5BREDACTED%5D arrived',
    );
    expect(vi.getTimerCount()).toBe(0);
  });

  it('bounds each attempt; a retry between the phases tries again', async () => {
    const fetch = scriptedFetch([800, 800, 100]);
    const pipeline = compose([timeout({ total: 5000 }), retryOnAttemptTimeout, timeout({ attempt: 500 })], { fetch });
    const result = settle(pipeline(URL_));
    await vi.advanceTimersByTimeAsync(1100);
    const { value, error } = await result;
    expect(error).toBeUndefined();
    expect(await value?.text()).toBe('after 100');
    expect(fetch.calls).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the total deadline wins over retried attempts', async () => {
    const fetch = scriptedFetch([800, 800, 800, 800]);
    const pipeline = compose([timeout({ total: 1200 }), retryOnAttemptTimeout, timeout({ attempt: 500 })], { fetch });
    const result = settle(pipeline(URL_));
    await vi.advanceTimersByTimeAsync(1200);
    const { error } = await result;
    expect(error).toMatchObject({ name: 'TimeoutError', phase: 'total', timeoutMs: 1200 });
    expect(fetch.calls).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    ['total', { total: 1000 }],
    ['attempt', { attempt: 1000 }],
  ] as const)("surfaces the caller's abort during the %s phase as the caller's reason", async (_phase, options) => {
    const controller = new AbortController();
    const pipeline = compose([timeout(options)], { fetch: scriptedFetch([5000]) });
    const result = settle(pipeline(URL_, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(300);
    controller.abort();
    const { error } = await result;
    expect(error).not.toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(vi.getTimerCount()).toBe(0);
  });

  it("keeps a custom caller reason, also with both phases in one middleware", async () => {
    const controller = new AbortController();
    const pipeline = compose([timeout({ total: 1000, attempt: 500 })], { fetch: scriptedFetch([5000]) });
    const result = settle(pipeline(URL_, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(100);
    controller.abort(new Error('user left'));
    expect((await result).error).toEqual(new Error('user left'));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once when the caller already aborted, without starting a timer', async () => {
    const fetch = scriptedFetch([10]);
    const pipeline = compose([timeout({ total: 1000 })], { fetch });
    const { error } = await settle(pipeline(URL_, { signal: AbortSignal.abort() }));
    expect((error as DOMException).name).toBe('AbortError');
    expect(fetch.calls).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('narrows context.signal for inner middlewares and restores it afterwards', async () => {
    let outer: AbortSignal | undefined;
    let inner: AbortSignal | undefined;
    let after: AbortSignal | undefined;
    const outerSpy: Middleware = {
      name: 'outerSpy',
      async handle(request, context, next) {
        outer = context.signal;
        try {
          return await next(request);
        } finally {
          after = context.signal;
        }
      },
    };
    const innerSpy: Middleware = { name: 'innerSpy', handle(request, context, next) {
      inner = context.signal;
      return next(request);
    } };
    const pipeline = compose([outerSpy, timeout({ total: 1000 }), innerSpy], { fetch: scriptedFetch([5000]) });
    const result = settle(pipeline(URL_));
    await vi.advanceTimersByTimeAsync(1000);
    await result;
    expect(inner).not.toBe(outer);
    expect(inner?.reason).toBeInstanceOf(TimeoutError);
    expect(outer?.aborted).toBe(false);
    expect(after).toBe(outer);
  });

  it('clears its timers on success and leaves the body readable after the deadline', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        setTimeout(() => {
          controller.enqueue(new TextEncoder().encode('late body'));
          controller.close();
        }, 3000);
      },
    });
    const pipeline = compose([timeout({ total: 1000, attempt: 500 })], { fetch: async () => new Response(body) });
    const response = await pipeline(URL_);
    expect(vi.getTimerCount()).toBe(1); // only the body's own timer
    const text = response.text();
    await vi.advanceTimersByTimeAsync(3000);
    expect(await text).toBe('late body');
  });

  it('ends at the deadline even when the fetch ignores its signal', async () => {
    let lateResolve: ((response: Response) => void) | undefined;
    const deaf: FetchLike = () => new Promise((resolve) => (lateResolve = resolve));
    const pipeline = compose([timeout({ attempt: 200 })], { fetch: deaf });
    const result = settle(pipeline(URL_));
    await vi.advanceTimersByTimeAsync(200);
    expect((await result).error).toMatchObject({ name: 'TimeoutError', phase: 'attempt' });
    let cancelled = false;
    const late = new Response(new ReadableStream({ cancel() {
        cancelled = true;
      } }));
    lateResolve?.(late);
    await vi.advanceTimersByTimeAsync(0);
    expect(cancelled).toBe(true); // the late response is released, not leaked
    expect(vi.getTimerCount()).toBe(0);
  });

  it('takes per-request overrides: a number is total, false disables, an object sets phases', async () => {
    const both = compose([timeout({ total: 1000 }), timeout({ attempt: 1000 })], { fetch: scriptedFetch([300, 300, 5000, 5000]) });
    // number → total 100
    const first = settle(both(URL_, { timeout: 100 }));
    await vi.advanceTimersByTimeAsync(100);
    expect((await first).error).toMatchObject({ phase: 'total', timeoutMs: 100 });
    // object → attempt 200, total default
    const second = settle(both(URL_, { timeout: { attempt: 200 } }));
    await vi.advanceTimersByTimeAsync(200);
    expect((await second).error).toMatchObject({ phase: 'attempt', timeoutMs: 200 });
    // false → no deadline at all
    const third = settle(both(URL_, { timeout: false }));
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1); // the scripted fetch's own timer only
    await vi.advanceTimersByTimeAsync(5000);
    expect(await (await third).value?.text()).toBe('after 5000');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a phase installed with false applies only per-request deadlines', async () => {
    const pipeline = compose([timeout({ total: false })], { fetch: scriptedFetch([300, 5000]) });
    const free = settle(pipeline(URL_));
    await vi.advanceTimersByTimeAsync(300);
    expect(await (await free).value?.text()).toBe('after 300');
    const bounded = settle(pipeline(URL_, { timeout: { total: 50 } }));
    await vi.advanceTimersByTimeAsync(50);
    expect((await bounded).error).toMatchObject({ phase: 'total', timeoutMs: 50 });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('timeout options', () => {
  it('is named after its phases', () => {
    expect(timeout({ total: 1 }).name).toBe('timeout.total');
    expect(timeout({ attempt: 1 }).name).toBe('timeout.attempt');
    expect(timeout({ attempt: 1, total: false }).name).toBe('timeout');
  });

  it.each([-1, 0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '100' as unknown as number])(
    'refuses %s at creation',
    (value) => {
      expect(() => timeout({ total: value })).toThrow(TypeError);
      expect(() => timeout({ attempt: value })).toThrow(/timeout\(\): "attempt" must be a finite number of ms > 0, got .* \(at most 2147483647, the longest timer\)/);
    },
  );

  it('refuses empty or missing options', () => {
    expect(() => timeout({})).toThrow(new TypeError('timeout(): give "total", "attempt" or both (in ms, or false).'));
    expect(() => timeout(undefined as never)).toThrow(/expected an options object/);
  });

  it('rejects a bad per-request timeout with a TypeError', async () => {
    const pipeline = compose([timeout({ total: 1000 })], { fetch: async () => new Response('ok') });
    await expect(pipeline(URL_, { timeout: -5 })).rejects.toThrow(
      /timeout \(per-request option\): "timeout" must be a finite number of ms > 0, got -5 \(at most 2147483647, the longest timer\)/,
    );
    await expect(pipeline(URL_, { timeout: { total: Number.NaN } })).rejects.toThrow(/timeout \(per-request option\): "timeout.total" must be/);
    await expect(pipeline(URL_, { timeout: 'soon' as never })).rejects.toThrow(/must be a number, false or \{ attempt, total \}/);
  });
});

describe('timeout over a real socket', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/fast') response.end('fast');
      // '/hang' never answers
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
  });

  it('aborts a hanging request with a TimeoutError and lets a fast one through', async () => {
    let seen: Context | undefined;
    const spy: Middleware = { name: 'spy', handle(request, context, next) {
      seen = context;
      return next(request);
    } };
    // A real 100 ms wait on purpose: this checks the timer against a real undici socket, which fake timers would bypass.
    const pipeline = compose([spy, timeout({ total: 100 })]);
    expect(await (await pipeline(`${base}/fast`)).text()).toBe('fast');
    const error = await pipeline(`${base}/hang`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(seen?.signal.aborted).toBe(false);
  });
});
