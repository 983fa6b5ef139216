import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compose, createRateGate, type RateGateClock, retry, TimeoutError } from '@sluice/core';
import { useServer } from '@sluice/testing/node';

const API = 'https://api.test';
const OTHER = 'https://other.test';

/** A clock whose time moves only when the test says so. */
function manualClock(start = Date.UTC(2025, 0, 1)) {
  let now = start;
  let nextId = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const clock: RateGateClock = {
    now: () => now,
    setTimeout(callback, ms) {
      timers.set(++nextId, { at: now + ms, callback });
      return nextId;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
  };
  const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    clock,
    pending: () => timers.size,
    async advance(ms: number) {
      const end = now + ms;
      for (;;) {
        await flush();
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = end;
      await flush();
    },
  };
}

const tooMany = (headers: Record<string, string> = { 'retry-after': '1' }) => new Response('slow down', { status: 429, headers });

function track(promise: Promise<void>) {
  const state = { settled: false, error: undefined as unknown };
  promise.then(
    () => {
      state.settled = true;
    },
    (error) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

describe('createRateGate', () => {
  it('lets requests through at once while open, with no timer', async () => {
    const time = manualClock();
    const gate = createRateGate({ clock: time.clock });
    await gate.acquire(API, new AbortController().signal);
    gate.observe(API, new Response('ok'));
    expect(gate.closedFor(API)).toBe(0);
    expect(time.pending()).toBe(0);
  });

  it('fails a wait that would outlast maxWait with a TimeoutError, and leaves no timer', async () => {
    const time = manualClock();
    const gate = createRateGate({ clock: time.clock, adaptive: false });
    gate.observe(API, tooMany({ 'retry-after': '5' }));
    const waiting = track(gate.acquire(API, new AbortController().signal, 2_000));
    await time.advance(1_999);
    expect(waiting.settled).toBe(false);
    await time.advance(1);
    expect(waiting.error).toBeInstanceOf(TimeoutError);
    expect(String(waiting.error)).toMatch(/rate-limit gate for https:\/\/.* after 2000 ms/);
    await time.advance(5_000);
    expect(time.pending()).toBe(0);
    // A wait that ends in time clears its deadline timer.
    gate.observe(API, tooMany({ 'retry-after': '1' }));
    const inTime = track(gate.acquire(API, new AbortController().signal, 10_000));
    await time.advance(1_500);
    expect(inTime).toEqual({ settled: true, error: undefined });
    expect(time.pending()).toBe(0);
  });

  it('closes an origin for the server delay of a 429 and leaves other origins open', async () => {
    const time = manualClock();
    const gate = createRateGate({ clock: time.clock });
    gate.observe(API, tooMany({ 'retry-after': '2' }));
    expect(gate.closedFor(API)).toBe(2000);
    const waiting = track(gate.acquire(API, new AbortController().signal));
    await gate.acquire(OTHER, new AbortController().signal);
    await time.advance(1999);
    expect(waiting.settled).toBe(false);
    await time.advance(1);
    expect(waiting.settled).toBe(true);
    expect(gate.closedFor(API)).toBe(0);
    expect(time.pending()).toBe(0);
  });

  it('closes on a 503 only with a delay, and never on a network error', () => {
    const time = manualClock();
    const gate = createRateGate({ clock: time.clock });
    gate.observe(API, new Response('', { status: 503 }));
    gate.observe(API, undefined);
    gate.observe(API, tooMany({}));
    expect(gate.closedFor(API)).toBe(0);
    gate.observe(API, new Response('', { status: 503, headers: { 'retry-after': '3' } }));
    expect(gate.closedFor(API)).toBe(3000);
  });

  it('closes until the reset when the quota is used up, before any 429', () => {
    const time = manualClock();
    const gate = createRateGate({ clock: time.clock });
    gate.observe(API, new Response('ok', { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '4' } }));
    expect(gate.closedFor(API)).toBe(4000);
    gate.observe(OTHER, new Response('ok', { headers: { 'x-ratelimit-remaining': '5', 'x-ratelimit-reset-after': '4' } }));
    expect(gate.closedFor(OTHER)).toBe(0);
  });

  it('caps a server delay at maxClosedMs', () => {
    const time = manualClock();
    const gate = createRateGate({ clock: time.clock, maxClosedMs: 5000 });
    gate.observe(API, tooMany({ 'retry-after': '3600' }));
    expect(gate.closedFor(API)).toBe(5000);
  });

  it('without adaptive rate, spreads the queued requests over releaseWindowMs', async () => {
    const time = manualClock();
    const gate = createRateGate({ clock: time.clock, adaptive: false, releaseWindowMs: 1000 });
    gate.observe(API, tooMany());
    const waiters = Array.from({ length: 10 }, () => track(gate.acquire(API, new AbortController().signal)));
    const released = () => waiters.filter((w) => w.settled).length;
    await time.advance(1000);
    expect(released()).toBe(1);
    await time.advance(450);
    expect(released()).toBe(5);
    await time.advance(550);
    expect(released()).toBe(10);
    expect(time.pending()).toBe(0);
    await gate.acquire(API, new AbortController().signal); // the queue is empty: no pacing
  });

  it('with the adaptive rate, releases the queue at the learned pace, not as a herd', async () => {
    const time = manualClock();
    const gate = createRateGate({ clock: time.clock });
    for (let i = 0; i < 10; i++) await gate.acquire(API, new AbortController().signal);
    for (let i = 0; i < 5; i++) gate.observe(API, new Response('ok'));
    gate.observe(API, tooMany());
    const waiters = Array.from({ length: 10 }, () => track(gate.acquire(API, new AbortController().signal)));
    const released = () => waiters.filter((w) => w.settled).length;
    await time.advance(1000);
    expect(released()).toBeLessThanOrEqual(2);
    await time.advance(400);
    expect(released()).toBeGreaterThan(2);
    expect(released()).toBeLessThan(10);
    await time.advance(2000);
    expect(released()).toBe(10);
    expect(time.pending()).toBe(0);
  });

  it('ends a wait at once on abort with the signal’s reason, and leaves no timer behind', async () => {
    const time = manualClock();
    const gate = createRateGate({ clock: time.clock });
    gate.observe(API, tooMany());
    const first = new AbortController();
    const second = new AbortController();
    const a = gate.acquire(API, first.signal);
    const b = gate.acquire(API, second.signal);
    first.abort();
    await expect(a).rejects.toMatchObject({ name: 'AbortError' });
    second.abort(new Error('caller gave up'));
    await expect(b).rejects.toThrow('caller gave up');
    expect(time.pending()).toBe(0);
    await expect(gate.acquire(API, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('rejects bad options and arguments with a TypeError', async () => {
    expect(() => createRateGate({ releaseWindowMs: -1 })).toThrow(/"releaseWindowMs" must be a finite number ≥ 0, got -1/);
    expect(() => createRateGate({ maxClosedMs: Number.NaN })).toThrow(/"maxClosedMs"/);
    expect(() => createRateGate({ adaptive: { beta: 2 } })).toThrow(/"beta"/);
    expect(() => createRateGate({ clock: {} as RateGateClock })).toThrow(/"clock" must have now\(\), setTimeout\(\) and clearTimeout\(\)/);
    await expect(createRateGate().acquire('', new AbortController().signal)).rejects.toThrow(/origin must be a non-empty string/);
  });
});

describe('the gate through retry()', () => {
  const server = useServer({ beforeAll, afterEach, afterAll });

  it('with 20 concurrent requests and one 429 with Retry-After 1 s, no other request reaches the server inside that second', async () => {
    const time = manualClock();
    // All 20 in flight when the 429 comes back, as on an origin that has answered before.
    const gate = createRateGate({ clock: time.clock, probeNewOrigins: false });
    let gateClosed!: () => void;
    const closed = new Promise<void>((resolve) => {
      gateClosed = resolve;
    });
    const observe = gate.observe;
    gate.observe = (origin, response) => {
      observe(origin, response);
      if (response?.status === 429) gateClosed();
    };
    const attempts = new Map<string, number>();
    const arrivals: Array<{ at: number; closedFor: number }> = [];
    server.use(
      http.get(`${API}/items/:id`, async ({ params }) => {
        const id = String(params.id);
        const attempt = (attempts.get(id) ?? 0) + 1;
        attempts.set(id, attempt);
        if (attempt === 1 && id === '0') return HttpResponse.text('slow down', { status: 429, headers: { 'retry-after': '1' } });
        if (attempt === 1) {
          await closed; // in flight while the 429 comes back; then fails and is retried at once
          return HttpResponse.text('oops', { status: 500 });
        }
        arrivals.push({ at: time.clock.now(), closedFor: gate.closedFor(API) });
        return HttpResponse.json({ ok: true });
      }),
    );
    const pipeline = compose([retry({ gate, random: () => 0 })]);
    const start = time.clock.now();
    const results = Array.from({ length: 20 }, (_, i) => pipeline(`${API}/items/${i}`).then((r) => r.status));
    await time.advance(0);
    expect(attempts.size).toBe(20);
    expect(gate.closedFor(API)).toBe(1000);
    await time.advance(999);
    expect(arrivals).toEqual([]);
    for (let i = 0; i < 200 && arrivals.length < 20; i++) await time.advance(50);
    expect(await Promise.all(results)).toEqual(Array(20).fill(200));
    expect(arrivals).toHaveLength(20);
    expect(arrivals.every((a) => a.closedFor === 0 && a.at >= start + 1000)).toBe(true);
  });

  it('is shared between two pipelines given the same gate, per origin', async () => {
    const time = manualClock();
    const gate = createRateGate({ clock: time.clock });
    const seen: string[] = [];
    server.use(
      http.get(`${API}/limited`, () => HttpResponse.text('slow down', { status: 429, headers: { 'retry-after': '1' } })),
      http.get(`${API}/items`, () => {
        seen.push(`api@${time.clock.now()}`);
        return HttpResponse.json([]);
      }),
      http.get(`${OTHER}/items`, () => {
        seen.push('other');
        return HttpResponse.json([]);
      }),
    );
    const a = compose([retry({ gate, limit: 0 })]);
    const b = compose([retry({ gate })]);
    expect((await a(`${API}/limited`)).status).toBe(429);
    const start = time.clock.now();
    const held = b(`${API}/items`);
    expect((await b(`${OTHER}/items`)).status).toBe(200);
    await time.advance(500);
    expect(seen).toEqual(['other']);
    await time.advance(500);
    expect((await held).status).toBe(200);
    expect(seen).toEqual(['other', `api@${start + 1000}`]);
  });

  it('aborting a request that waits at the gate rejects it with the abort reason and sends nothing', async () => {
    const time = manualClock();
    const gate = createRateGate({ clock: time.clock });
    let calls = 0;
    server.use(
      http.get(`${API}/items`, () => {
        calls++;
        return HttpResponse.json([]);
      }),
    );
    gate.observe(API, tooMany());
    const controller = new AbortController();
    const pending = compose([retry({ gate })])(`${API}/items`, { signal: controller.signal });
    await time.advance(100);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(0);
    expect(time.pending()).toBe(0);
  });
});
