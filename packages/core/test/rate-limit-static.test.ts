import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  compose,
  concurrency,
  createRateGate,
  errors,
  type RateGateClock,
  rateLimit,
  retry,
  TimeoutError,
  timeout,
} from '@sluice/core';

/** A clock whose time moves only when the test says; its timers fire then. */
function manualClock(): RateGateClock & { advance(ms: number): void } {
  let now = 1_000_000;
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at > now || !timers.has(id)) continue;
        timers.delete(id);
        timer.callback();
      }
    },
  };
}

let server: Server;
let base = '';
let hits: string[] = [];
let firstStatus: number | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (firstStatus !== undefined) {
      const status = firstStatus;
      firstStatus = undefined;
      return res.writeHead(status, { 'retry-after': '2' }).end();
    }
    res.writeHead(200).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  hits = [];
  firstStatus = undefined;
});

/** Waits (on real time, for the loopback network) until `count` requests arrived, then a little more to see that no more come. */
async function arrived(count: number): Promise<number> {
  for (let i = 0; i < 2_000 && hits.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 2));
  await quiet();
  return hits.length;
}

/** Lets the loopback network deliver whatever was sent; the gate's clock stands still. */
async function quiet(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 30));
  return hits.length;
}

describe('rateLimit', () => {
  it('lets at most `limit` attempts out per interval, per origin, behind a concurrency limit', async () => {
    const clock = manualClock();
    const pipeline = compose([errors(), retry({ gate: false }), rateLimit({ limit: 3, interval: 1_000, clock }), concurrency({ limit: 2 })]);
    const calls = Array.from({ length: 7 }, (_, i) => pipeline(`${base}/a${i}`));
    const other = pipeline(`${base.replace('127.0.0.1', 'localhost')}/b`);
    expect(await arrived(4)).toBe(4); // 3 of this origin, 1 of the other
    clock.advance(500);
    expect(await quiet()).toBe(4); // same window: nothing more
    clock.advance(510);
    expect(await arrived(7)).toBe(7);
    clock.advance(1_010);
    expect(await arrived(8)).toBe(8);
    const responses = await Promise.all([...calls, other]);
    expect(responses.every((r) => r.status === 200)).toBe(true);
  });

  it('lets exactly `limit` out in each of several windows', async () => {
    const clock = manualClock();
    const pipeline = compose([errors(), retry(), rateLimit({ limit: 5, interval: 1_000, clock }), concurrency({ limit: 3 })]);
    const calls = Array.from({ length: 25 }, (_, i) => pipeline(`${base}/w${i}`));
    const perWindow: number[] = [];
    for (let window = 0; window < 5; window++) {
      const before = hits.length;
      await arrived(before + 5);
      perWindow.push(hits.length - before);
      clock.advance(1_010);
    }
    expect(perWindow).toEqual([5, 5, 5, 5, 5]);
    expect((await Promise.all(calls)).every((r) => r.status === 200)).toBe(true);
  });

  it('composes with the client gate: a closure the server asked for is waited out first', async () => {
    const clock = manualClock();
    const gate = createRateGate({ clock, adaptive: false });
    const pipeline = compose([
      errors(),
      retry({ gate, clock: clock.now, sleep: async () => undefined }),
      rateLimit({ limit: 10, interval: 1_000, clock }),
      concurrency({ limit: 4 }),
    ]);
    firstStatus = 429; // Retry-After: 2 closes the gate for 2 s
    const call = pipeline(`${base}/g`);
    expect(await arrived(1)).toBe(1);
    clock.advance(1_000);
    expect(await quiet()).toBe(1); // the gate is still closed: the rate limit alone would let it go
    clock.advance(1_100);
    expect(await arrived(2)).toBe(2);
    expect((await call).status).toBe(200);
  });

  it('a request whose total deadline passes while it waits fails with a TimeoutError and is never sent', async () => {
    const clock = manualClock();
    const pipeline = compose([errors(), timeout({ total: 60 }), rateLimit({ limit: 1, interval: 60_000, clock })]);
    await pipeline(`${base}/first`);
    const error = await pipeline(`${base}/second`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(hits).toEqual(['/first']);
  });

  it('a user key groups requests: one limit for two origins', async () => {
    const clock = manualClock();
    const pipeline = compose([rateLimit({ limit: 1, interval: 1_000, clock, key: () => 'tenant-1' })]);
    const calls = [pipeline(`${base}/x`), pipeline(`${base.replace('127.0.0.1', 'localhost')}/y`)];
    expect(await arrived(1)).toBe(1);
    clock.advance(1_010);
    expect(await arrived(2)).toBe(2);
    await Promise.all(calls);
  });

  it('rejects bad options with a TypeError naming the option', async () => {
    expect(() => rateLimit({ limit: 0, interval: 1_000 })).toThrow(/"limit"/);
    expect(() => rateLimit({ limit: 1, interval: 0 })).toThrow(/"interval"/);
    expect(() => rateLimit({ limit: 1, interval: 1, key: 'x' as never })).toThrow(/"key"/);
    expect(() => rateLimit({ limit: 1, interval: 1, maxKeys: 0 })).toThrow(/"maxKeys"/);
    expect(() => rateLimit(undefined as never)).toThrow(/expected options/);
    const pipeline = compose([rateLimit({ limit: 1, interval: 1, key: () => '' })]);
    await expect(pipeline(`${base}/k`)).rejects.toThrow(/non-empty string/);
  });
});
