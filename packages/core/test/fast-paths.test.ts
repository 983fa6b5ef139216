import { compose, type Context, type FetchLike, type Middleware, retry, TimeoutError, timeout } from '@sluice/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const URL_ = 'https://fast.test/items';

/** A terminal that never answers and rejects with the signal's reason on abort; records the signal it got. */
function hangingFetch(): FetchLike & { signals: AbortSignal[] } {
  const fn = ((request: Request, init?: RequestInit) => {
    const signal = init?.signal ?? request.signal;
    fn.signals.push(signal);
    return new Promise<Response>((_resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }) as FetchLike & { signals: AbortSignal[] };
  fn.signals = [];
  return fn;
}

function captureContext(): Middleware & { context?: Context } {
  const spy: Middleware & { context?: Context } = {
    name: 'spy',
    handle(request, context, next) {
      spy.context = context;
      return next(request);
    },
  };
  return spy;
}

describe('compose: callerSignal', () => {
  const ok: FetchLike = async () => new Response('ok');

  it('is undefined when the caller gave no signal', async () => {
    const spy = captureContext();
    await compose([spy], { fetch: ok })(URL_);
    expect(spy.context?.callerSignal).toBeUndefined();
    expect(spy.context?.signal).toBeInstanceOf(AbortSignal);
  });

  it('is the request signal when the caller gave one, in init or on a Request', async () => {
    const spy = captureContext();
    const pipeline = compose([spy], { fetch: ok });
    const controller = new AbortController();
    await pipeline(URL_, { signal: controller.signal });
    expect(spy.context?.callerSignal).toBeInstanceOf(AbortSignal);
    controller.abort();
    expect(spy.context?.callerSignal?.aborted).toBe(true);
    await pipeline(new Request(URL_));
    expect(spy.context?.callerSignal).toBeInstanceOf(AbortSignal);
  });
});

describe('timeout without a caller signal (no AbortSignal.any)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the total deadline still ends an attempt guarded by an inner attempt deadline', async () => {
    const fetch = hangingFetch();
    const pipeline = compose([timeout({ total: 100 }), timeout({ attempt: 1_000 })], { fetch });
    const result = pipeline(URL_).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(100);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).phase).toBe('total');
    expect((error as TimeoutError).message).toMatch(/The total timeout of 100 ms elapsed/);
    expect(fetch.signals[0]?.aborted).toBe(true);
  });

  it('the attempt deadline fires inside the total one', async () => {
    const fetch = hangingFetch();
    const pipeline = compose([timeout({ total: 1_000 }), timeout({ attempt: 50 })], { fetch });
    const result = pipeline(URL_).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(50);
    expect((await result as TimeoutError).phase).toBe('attempt');
  });

  it('a signal handed to fetch never aborts after the response arrived', async () => {
    const seen: AbortSignal[] = [];
    const fetch: FetchLike = async (request, init) => {
      seen.push(init?.signal ?? request.signal);
      return new Response('ok');
    };
    const pipeline = compose([timeout({ total: 100 }), timeout({ attempt: 50 })], { fetch });
    await pipeline(URL_);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a caller abort still surfaces as the caller reason through both layers', async () => {
    const fetch = hangingFetch();
    const pipeline = compose([timeout({ total: 1_000 }), timeout({ attempt: 500 })], { fetch });
    const controller = new AbortController();
    const result = pipeline(URL_, { signal: controller.signal }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('caller gave up'));
    expect(await result).toMatchObject({ message: 'caller gave up' });
  });
});

describe('retry of a body-less request', () => {
  it('sends the first attempt uncloned and starts every retry from the original headers', async () => {
    const seen: Array<{ request: Request; trace: string | null }> = [];
    const fetch: FetchLike = async (request) => {
      seen.push({ request, trace: request.headers.get('x-trace') });
      return new Response(null, { status: seen.length === 1 ? 503 : 200 });
    };
    // An inner middleware that edits the request it gets in place.
    const appendTrace: Middleware = {
      name: 'appendTrace',
      handle(request, _context, next) {
        request.headers.append('x-trace', 'hop');
        return next(request);
      },
    };
    let original: Request | undefined;
    const recordOriginal: Middleware = {
      name: 'recordOriginal',
      handle(request, _context, next) {
        original = request;
        return next(request);
      },
    };
    const pipeline = compose(
      [recordOriginal, retry({ gate: false, retryBudget: false, sleep: async () => {} }), appendTrace],
      { fetch },
    );
    const response = await pipeline(URL_, { headers: { 'x-keep': '1' } });
    expect(response.status).toBe(200);
    expect(seen.map((s) => s.trace)).toEqual(['hop', 'hop']);
    expect(seen[0]?.request).toBe(original);
    expect(seen[1]?.request).not.toBe(original);
    expect(seen[1]?.request.headers.get('x-keep')).toBe('1');
  });
});
