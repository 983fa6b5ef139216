import {
  compose,
  concurrency,
  correlationId,
  createRateGate,
  cursor,
  errors,
  HttpError,
  linkHeader,
  NetworkError,
  paginate,
  RateLimitError,
  REDACTED,
  retry,
  type SluiceFetch,
  ServerError,
  timeout,
} from '@sluice/core';
import { paginatedCollection } from '@sluice/testing';
import { HttpResponse, http } from 'msw';
import { setupWorker } from 'msw/browser';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

// The core chain (errors → correlationId → timeout → retry → concurrency) in headless
// Chromium, answered by msw's service worker under this page's origin.
const worker = setupWorker();
const origin = location.origin;
const api = `${origin}/core-browser`;
const holds: Array<() => void> = [];

beforeAll(async () => {
  await worker.start({ quiet: true, onUnhandledFrame: 'error' });
});
afterEach(() => {
  // Settle any handler a test left waiting, so msw can stop even after a failure.
  for (const release of holds.splice(0)) release();
  worker.resetHandlers();
});
afterAll(() => worker.stop());

/** The standard order, with fast retries so the suite stays short. */
function chain(options: { limit?: number; gate?: ReturnType<typeof createRateGate> } = {}) {
  const limiter = concurrency({ limit: options.limit ?? 4 });
  const pipeline = compose([
    errors(),
    correlationId(),
    timeout({ total: 10_000 }),
    retry({ backoff: () => 1, ...(options.gate ? { gate: options.gate } : {}) }),
    limiter,
    timeout({ attempt: 5_000 }),
  ]);
  return { pipeline, limiter };
}

/** A handler that only records the correlation id of every request, then lets the next handler answer. */
function correlationSpy(url: string) {
  const ids: Array<string | null> = [];
  worker.use(
    http.get(url, ({ request }) => {
      ids.push(request.headers.get('x-correlation-id'));
    }),
  );
  return ids;
}

/** A promise a test resolves by hand; afterEach resolves any left over. */
const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  holds.push(resolve);
  return { promise, resolve };
};

describe('pagination through the chain', () => {
  it('follows Link headers with one correlation id per iteration', async () => {
    const items = Array.from({ length: 7 }, (_, i) => ({ n: i }));
    worker.use(...paginatedCollection(items, 'linkHeader', { url: `${api}/issues` }).handlers);
    const ids = correlationSpy(`${api}/issues`);
    const { pipeline } = chain();

    const pages = [];
    for await (const page of paginate(pipeline, `${api}/issues?per_page=3`, linkHeader<{ n: number }>())) pages.push(page);
    expect(pages.flatMap((page) => page.items)).toEqual(items);
    expect(pages).toHaveLength(3);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toBe(pages[0]?.correlationId);
    expect(pages.every((page) => page.correlationId === ids[0])).toBe(true);

    // A second iteration is a new operation with a new id.
    expect(await paginate(pipeline, `${api}/issues?per_page=3`, linkHeader<{ n: number }>()).all()).toEqual(items);
    expect(ids).toHaveLength(6);
    expect(new Set(ids.slice(3)).size).toBe(1);
    expect(ids[3]).not.toBe(ids[0]);
  });

  it('follows cursors, retrying a 503 page under the same correlation id', async () => {
    const items = Array.from({ length: 10 }, (_, i) => `item-${i}`);
    worker.use(...paginatedCollection(items, 'cursor', { url: `${api}/events` }).handlers);
    let failed = false;
    worker.use(
      http.get(`${api}/events`, ({ request }) => {
        // The second page fails once; retry sends it again.
        if (!failed && new URL(request.url).searchParams.has('cursor')) {
          failed = true;
          return new HttpResponse(null, { status: 503 });
        }
      }),
    );
    const ids = correlationSpy(`${api}/events`);
    const { pipeline } = chain();

    const all = await paginate(pipeline, `${api}/events?limit=4`, cursor<string>(), { correlationId: 'export-42' }).all();
    expect(all).toEqual(items);
    expect(failed).toBe(true);
    expect(ids).toEqual(['export-42', 'export-42', 'export-42', 'export-42']);
  });

  it('stops paging with the typed error of a page that keeps failing', async () => {
    worker.use(
      http.get(`${api}/broken`, ({ request }) =>
        new URL(request.url).searchParams.has('cursor')
          ? HttpResponse.json({ error: 'boom' }, { status: 500 })
          : HttpResponse.json({ data: [1], next_cursor: 'c2' }),
      ),
    );
    const { pipeline } = chain();
    const error = await paginate(pipeline, `${api}/broken`, cursor<number>(), { init: { retry: { limit: 1 } } })
      .all()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).status).toBe(500);
    expect((error as ServerError).attempts).toBe(2);
  });
});

describe('the rate-limit gate in the browser', () => {
  it('holds every request to the origin after a 429 with Retry-After: 1, then lets them all through', async () => {
    const hits: Array<{ path: string; at: number; id: string | null }> = [];
    worker.use(
      http.get(`${api}/limited/:name`, ({ request, params }) => {
        hits.push({ path: String(params['name']), at: Date.now(), id: request.headers.get('x-correlation-id') });
        if (hits.length === 1) return HttpResponse.json({ error: 'slow down' }, { status: 429, headers: { 'retry-after': '1' } });
        return HttpResponse.json({ name: params['name'] });
      }),
    );
    const gate = createRateGate({ adaptive: false, releaseWindowMs: 50 });
    const { pipeline } = chain({ gate });

    const first = pipeline(`${api}/limited/a`);
    await vi.waitFor(() => expect(gate.closedFor(origin)).toBeGreaterThan(0));
    const others = [pipeline(`${api}/limited/b`), pipeline(`${api}/limited/c`)];
    await new Promise((resolve) => setTimeout(resolve, 150));
    // The gate is still closed and nothing else reached the server.
    expect(gate.closedFor(origin)).toBeGreaterThan(0);
    expect(hits.map((hit) => hit.path)).toEqual(['a']);

    const bodies = await Promise.all([first, ...others].map((p) => p.then((r) => r.json())));
    expect(bodies).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    expect(hits).toHaveLength(4);
    expect(hits.slice(1).map((hit) => hit.path).sort()).toEqual(['a', 'b', 'c']);
    // Nothing was sent before the server's second had passed.
    const [limitedHit, ...rest] = hits;
    for (const hit of rest) expect(hit.at - (limitedHit?.at ?? 0)).toBeGreaterThanOrEqual(990);
    // The retried request kept its correlation id.
    expect(hits.filter((hit) => hit.path === 'a').map((hit) => hit.id)).toEqual([limitedHit?.id, limitedHit?.id]);
    expect(gate.closedFor(origin)).toBe(0);
  });

  it('fails at once with RateLimitError when Retry-After is longer than maxRetryAfter', async () => {
    let calls = 0;
    worker.use(
      http.get(`${api}/busy`, () => {
        calls++;
        return HttpResponse.json({ error: 'later' }, { status: 429, headers: { 'retry-after': '1' } });
      }),
    );
    const { pipeline } = chain({ gate: createRateGate({ adaptive: false }) });
    const error = await pipeline(`${api}/busy`, { retry: { maxRetryAfter: 100 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(1000);
    expect((error as RateLimitError).message).toContain('more than maxRetryAfter');
    expect(calls).toBe(1);
  });
});

describe('concurrency in the browser', () => {
  it('takes a caller-aborted request out of the queue; it never reaches the network', async () => {
    const hold = deferred();
    const seen: string[] = [];
    worker.use(
      http.get(`${api}/slot/:name`, async ({ params }) => {
        seen.push(String(params['name']));
        if (params['name'] === 'first') await hold.promise;
        return HttpResponse.json({ name: params['name'] });
      }),
    );
    const { pipeline, limiter } = chain({ limit: 1 });

    const first = pipeline(`${api}/slot/first`);
    await vi.waitFor(() => expect(seen).toEqual(['first']));
    const controller = new AbortController();
    const queued = pipeline(`${api}/slot/queued`, { signal: controller.signal });
    const custom = new AbortController();
    const queuedWithReason = pipeline(`${api}/slot/reason`, { signal: custom.signal });
    await vi.waitFor(() => expect(limiter.stats()).toEqual({ inFlight: 1, queued: 2 }));

    controller.abort();
    const error = await queued.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    const reason = new Error('the user left the page');
    custom.abort(reason);
    expect(await queuedWithReason.catch((e: unknown) => e)).toBe(reason);
    expect(limiter.stats()).toEqual({ inFlight: 1, queued: 0 });

    hold.resolve();
    expect(await (await first).json()).toEqual({ name: 'first' });
    expect(await (await pipeline(`${api}/slot/after`)).json()).toEqual({ name: 'after' });
    expect(seen).toEqual(['first', 'after']);
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
  });

  it('aborts an in-flight request with the caller reason, not a TimeoutError, and frees its slot', async () => {
    const hold = deferred();
    worker.use(
      http.get(`${api}/hang`, async () => {
        await hold.promise;
        return HttpResponse.json({ late: true });
      }),
    );
    worker.use(http.get(`${api}/ok`, () => HttpResponse.json({ ok: true })));
    const { pipeline, limiter } = chain({ limit: 1 });
    const controller = new AbortController();
    const pending = pipeline(`${api}/hang`, { signal: controller.signal });
    await vi.waitFor(() => expect(limiter.stats().inFlight).toBe(1));
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect((error as DOMException).name).toBe('AbortError');
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
    expect((await pipeline(`${api}/ok`)).status).toBe(200);
  });
});

describe('redaction in the browser', () => {
  const secrets = ['tok-SECRET-1', 'q-SECRET-2', 'key-SECRET-4', 'pw-SECRET-5', 'set-SECRET-6'];
  const send = (pipeline: SluiceFetch, path: string) =>
    pipeline(`${api}/${path}?api_key=q-SECRET-2&page=2`, {
      headers: { authorization: 'Bearer tok-SECRET-1', 'x-api-key': 'key-SECRET-4' },
    }).catch((e: unknown) => e);

  it('keeps secrets out of an HttpError message, String() and JSON', async () => {
    worker.use(
      http.get(`${api}/denied`, () =>
        HttpResponse.json(
          { error: 'nope', password: 'pw-SECRET-5', echo: 'q-SECRET-2' },
          { status: 400, headers: { 'set-cookie': 'sid=set-SECRET-6', 'x-request-id': 'r-1' } },
        ),
      ),
    );
    const { pipeline } = chain();
    const error = await send(pipeline, 'denied');
    expect(error).toBeInstanceOf(HttpError);
    const httpError = error as HttpError;
    expect(httpError.status).toBe(400);
    expect(httpError.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    const texts = [httpError.message, String(httpError), JSON.stringify(httpError), httpError.stack ?? ''];
    for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
    expect(JSON.stringify(httpError)).toContain(REDACTED);
    expect(JSON.stringify(httpError)).toContain('page=2');
    expect(JSON.stringify(httpError)).toContain('nope');
  });

  it('keeps secrets out of a NetworkError', async () => {
    worker.use(http.get(`${api}/gone`, () => HttpResponse.error()));
    const { pipeline } = chain();
    const error = await pipeline(`${api}/gone?token=q-SECRET-2`, { retry: { limit: 0 }, headers: { authorization: 'Bearer tok-SECRET-1' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    for (const text of [String(error), JSON.stringify(error), (error as Error).message]) {
      expect(text).not.toContain('q-SECRET-2');
      expect(text).not.toContain('tok-SECRET-1');
    }
  });
});
