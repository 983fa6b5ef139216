import { createMemorySchedulerStore, createRateGate, parseAnnouncedQuota, type RateGateClock } from '@sluice/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const h = (init: Record<string, string>) => new Headers(init);

describe('parseAnnouncedQuota', () => {
  it('reads draft-6 RateLimit-Limit / -Remaining / -Reset with RateLimit-Policy', () => {
    expect(parseAnnouncedQuota(h({ 'ratelimit-limit': '100', 'ratelimit-remaining': '7', 'ratelimit-reset': '1', 'ratelimit-policy': '100;w=1' }), NOW)).toEqual({
      limit: 100,
      remaining: 7,
      resetMs: 1000,
      windowMs: 1000,
      resetPrecise: false,
    });
  });

  it('reads draft-7 RateLimit: limit=, remaining=, reset=', () => {
    expect(parseAnnouncedQuota(h({ ratelimit: 'limit=100, remaining=0, reset=1' }), NOW)).toMatchObject({ limit: 100, remaining: 0, resetMs: 1000 });
  });

  it('reads the draft-8 structured field with its named policy, the binding policy first', () => {
    const headers = h({
      ratelimit: '"burst";r=40;t=1, "day";r=0;t=600',
      'ratelimit-policy': '"burst";q=100;w=1, "day";q=5000;w=86400',
    });
    expect(parseAnnouncedQuota(headers, NOW)).toEqual({ limit: 5000, remaining: 0, resetMs: 600_000, windowMs: 86_400_000, resetPrecise: false });
    expect(parseAnnouncedQuota(h({ ratelimit: '"100-in-1sec"; r=99; t=1', 'ratelimit-policy': '"100-in-1sec"; q=100; w=1; pk=:MTJj:' }), NOW)).toMatchObject({
      limit: 100,
      remaining: 99,
      windowMs: 1000,
    });
  });

  it('reads X-RateLimit-Reset as epoch seconds (GitHub), epoch ms, or delta seconds, without rounding it up', () => {
    expect(parseAnnouncedQuota(h({ 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 42) }), NOW)).toEqual({
      limit: 60,
      remaining: 0,
      resetMs: 42_000,
      resetPrecise: false,
    });
    expect(parseAnnouncedQuota(h({ 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': String(NOW + 1_250) }), NOW)).toMatchObject({ resetMs: 1_250, resetPrecise: true });
    expect(parseAnnouncedQuota(h({ 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': '2' }), NOW)).toMatchObject({ resetMs: 2_000 });
    expect(parseAnnouncedQuota(h({ 'x-ratelimit-remaining': '3', 'x-ratelimit-reset-after': '0.25' }), NOW)).toMatchObject({ resetMs: 250 });
  });

  it('reads a reset given to the millisecond as precise, even when it ends in .000', () => {
    expect(parseAnnouncedQuota(h({ 'x-ratelimit-remaining': '16', 'x-ratelimit-reset': `${NOW / 1000}.020` }), NOW)).toMatchObject({ resetMs: 20, resetPrecise: true });
    expect(parseAnnouncedQuota(h({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': `${NOW / 1000 + 2}.000` }), NOW)).toMatchObject({ resetMs: 2_000, resetPrecise: true });
    expect(parseAnnouncedQuota(h({ 'x-ratelimit-remaining': '1', 'x-ratelimit-reset-after': '0.005' }), NOW)).toMatchObject({ resetMs: 5, resetPrecise: true });
    expect(parseAnnouncedQuota(h({ 'x-ratelimit-remaining': '1', 'x-ratelimit-reset-after': '1' }), NOW)).toMatchObject({ resetMs: 1_000, resetPrecise: false });
  });

  it('corrects an epoch reset by the Date header only when the server clock is clearly off', () => {
    const serverClock = NOW - 60_000; // the server runs a minute behind
    const headers = h({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(serverClock / 1000 + 5), date: new Date(serverClock).toUTCString() });
    expect(parseAnnouncedQuota(headers, NOW)).toMatchObject({ resetMs: 5_000 });
  });

  it('gives undefined when nothing is announced, and leaves malformed fields out', () => {
    expect(parseAnnouncedQuota(h({}), NOW)).toBeUndefined();
    expect(parseAnnouncedQuota(h({ 'retry-after': '3' }), NOW)).toBeUndefined();
    expect(parseAnnouncedQuota(h({ 'ratelimit-limit': 'lots', 'ratelimit-remaining': '-3', 'ratelimit-reset': 'soon' }), NOW)).toBeUndefined();
    expect(parseAnnouncedQuota(h({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': 'x', 'x-ratelimit-reset': 'y' }), NOW)).toEqual({ limit: 10, resetPrecise: false });
  });

  it('never throws, and gives whole non-negative counts and capped times, on arbitrary header values', () => {
    const names = ['ratelimit', 'ratelimit-policy', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-reset-after', 'date'];
    const value = fc.oneof(fc.string(), fc.stringMatching(/^[0-9.;=, "a-z-]{0,40}$/), fc.double().map(String), fc.integer().map(String));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), value), fc.integer({ min: 0, max: 4e12 }), (fields, now) => {
        const headers = new Headers();
        for (const [name, text] of Object.entries(fields)) {
          try {
            headers.set(name, text);
          } catch {
            // not a valid header value at all: the network would never deliver it
          }
        }
        const quota = parseAnnouncedQuota(headers, now);
        if (quota === undefined) return;
        for (const key of ['limit', 'remaining'] as const) {
          const n = quota[key];
          if (n !== undefined) expect(Number.isInteger(n) && n >= 0 && n <= 1e9).toBe(true);
        }
        for (const key of ['resetMs', 'windowMs'] as const) {
          const ms = quota[key];
          if (ms !== undefined) expect(Number.isFinite(ms) && ms >= 0 && ms <= 366 * 24 * 3600 * 1000).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

/** A clock the test moves by hand; timers fire when it passes them. */
function manualClock(start = NOW) {
  let now = start;
  const timers = new Map<number, { at: number; run: () => void }>();
  let id = 0;
  const clock: RateGateClock = {
    now: () => now,
    setTimeout(run, ms) {
      timers.set(++id, { at: now + ms, run });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
  };
  const advance = async (ms: number) => {
    now += ms;
    for (const [key, timer] of [...timers].sort((x, y) => x[1].at - y[1].at)) {
      if (timer.at <= now && timers.delete(key)) timer.run();
    }
    await Promise.resolve();
  };
  return { clock, advance };
}

const API = 'https://api.test';
const announce = (remaining: number, reset = '1') =>
  new Response('ok', { headers: { 'ratelimit-limit': '3', 'ratelimit-remaining': String(remaining), 'ratelimit-reset': reset, 'ratelimit-policy': '3;w=1' } });

describe('the gate with an announced quota', () => {
  it('counts admissions against the announced remaining and holds the origin until the window resets, before any 429', async () => {
    const { clock, advance } = manualClock();
    const gate = createRateGate({ clock });
    const signal = new AbortController().signal;
    await gate.acquire(API, signal);
    const first = gate.ticket?.(API);
    expect(first).toBeDefined();
    gate.observe(API, announce(2), first);
    expect(gate.ticket?.(API)).toBeDefined();
    expect(gate.ticket?.(API)).toBeDefined();
    expect(gate.ticket?.(API)).toBeUndefined(); // 3 of 3 used: no room until the reset
    expect(gate.closedFor(API)).toBeGreaterThan(900);
    let through = false;
    const waiting = gate.acquire(API, signal).then(() => {
      through = true;
    });
    await advance(500);
    expect(through).toBe(false); // our own count holds it: the server has not said 0 yet
    await advance(600);
    await waiting;
    expect(through).toBe(true);
    expect(gate.ticket?.(API)).toBeDefined(); // the probe of the new window
  });

  it('tells a fixed window from a refilling bucket with one early probe when the server says 0 is left', async () => {
    for (const [answer, kind] of [
      [new Response(null, { status: 429, headers: { 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' } }), 'window'],
      [new Response('ok', { headers: { 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '1' } }), 'bucket'],
    ] as const) {
      const { clock, advance } = manualClock();
      const gate = createRateGate({ clock });
      // The server says: nothing left for about a second, and states no policy (a stated one is trusted, no probe).
      gate.observe(API, new Response('ok', { headers: { 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' } }));
      expect(gate.ticket?.(API)).toBeUndefined();
      await advance(100);
      const probe = gate.ticket?.(API);
      expect(probe).toBeDefined(); // once, early
      expect(gate.ticket?.(API)).toBeUndefined();
      gate.observe(API, answer, probe);
      await advance(10);
      if (kind === 'window') expect(gate.ticket?.(API)).toBeUndefined(); // held until the reset
      else expect(gate.closedFor(API)).toBe(0); // a bucket: the ledger holds nothing, the adaptive rate paces
    }
  });

  it('paces a refilling bucket at the rate its policy states, and retries its 429 when the next token is due', async () => {
    const { clock, advance } = manualClock();
    const gate = createRateGate({ clock });
    const bucket = (remaining: number, status = 200) =>
      new Response(status === 200 ? 'ok' : null, { status, headers: { ratelimit: `"b";r=${remaining};t=1`, 'ratelimit-policy': '"b";q=200;w=1' } });
    const first = gate.ticket?.(API);
    gate.observe(API, bucket(0), first); // 200 per second, nothing left now
    expect(gate.ticket?.(API)).toBeUndefined();
    await advance(15); // three requests' worth of 200/s
    const probe = gate.ticket?.(API);
    expect(probe).toBeDefined();
    gate.observe(API, bucket(1), probe); // a window would refuse it; a bucket refilled
    expect(gate.closedFor(API)).toBe(0);
    // From now on the ledger paces: one request per 5 ms, the burst it has shown (2) at most.
    let sent = 0;
    for (let ms = 0; ms < 100; ms++) {
      while (gate.ticket?.(API)) sent++;
      await advance(1);
    }
    expect(sent).toBeGreaterThanOrEqual(19);
    expect(sent).toBeLessThanOrEqual(22);
    // A 429 with a whole-second reset: the retry waits for the next token, not a second.
    const refused = gate.ticket?.(API) ?? { seq: 0, at: 0 };
    gate.observe(API, bucket(0, 429), refused);
    expect(gate.announcedReset?.(API)).toBeLessThanOrEqual(5);
    expect(gate.closedFor(API)).toBeLessThanOrEqual(5); // closed until the next token, not for the second t=1 says
  });

  it('after a pause, lets out a paced bucket’s size less the attempts still on their way to the server', async () => {
    const { clock, advance } = manualClock();
    const gate = createRateGate({ clock });
    const bucket = (remaining: number) => new Response('ok', { headers: { ratelimit: `"b";r=${remaining};t=1`, 'ratelimit-policy': '"b";q=200;w=1' } });
    gate.observe(API, bucket(0), gate.ticket?.(API));
    await advance(15);
    const probe = gate.ticket?.(API);
    await advance(100);
    gate.observe(API, bucket(19), probe); // a bucket of 20, answered after a 100 ms round trip
    await advance(1_000); // idle: the server's bucket is full again
    const sent = [];
    for (let i = 0; i < 10; i++) sent.push(gate.ticket?.(API));
    expect(sent.every(Boolean)).toBe(true);
    await advance(20); // those 10 are still on their way (half a round trip is 50 ms)
    let more = 0;
    while (gate.ticket?.(API)) more++;
    expect(more).toBeLessThanOrEqual(10 - 3); // 20 − 10 on their way, less the reserve
    expect(more).toBeGreaterThanOrEqual(4);
  });

  it('paces a bucket whose resets come to the millisecond, its rate read from them', async () => {
    const { clock, advance } = manualClock();
    const gate = createRateGate({ clock });
    const legacy = (remaining: number, toFullMs: number) =>
      new Response('ok', { headers: { 'x-ratelimit-limit': '20', 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': ((NOW + toFullMs) / 1000).toFixed(3) } });
    gate.observe(API, legacy(19, 5), gate.ticket?.(API)); // (20 − 19) / 5 ms: 200 per second
    gate.observe(API, legacy(0, 100), gate.ticket?.(API));
    await advance(15);
    const probe = gate.ticket?.(API);
    expect(probe).toBeDefined();
    gate.observe(API, legacy(1, 90), probe);
    let sent = 0;
    for (let ms = 0; ms < 200; ms++) {
      while (gate.ticket?.(API)) sent++;
      await advance(1);
    }
    expect(sent).toBeGreaterThanOrEqual(35); // 200 per second, less the few tokens kept in reserve
    expect(sent).toBeLessThanOrEqual(43);
  });

  it('lets one attempt go to a new origin and holds the rest until it answers (at most 1 s), unless told not to', async () => {
    const { clock, advance } = manualClock();
    const gate = createRateGate({ clock });
    const signal = new AbortController().signal;
    await gate.acquire(API, signal);
    const first = gate.ticket?.(API);
    expect(first).toBeDefined();
    expect(gate.ticket?.(API)).toBeUndefined(); // not before the first answer
    let through = 0;
    const waiting = Array.from({ length: 3 }, () => gate.acquire(API, signal).then(() => through++));
    await advance(50);
    expect(through).toBe(0);
    gate.observe(API, new Response(null, { status: 429, headers: { 'retry-after': '5' } }), first);
    await advance(1_000);
    expect(through).toBe(0); // the answer closed the origin: the herd never went
    expect(gate.closedFor(API)).toBeGreaterThan(3_000);
    await advance(4_000);
    for (let i = 0; i < 200 && through < 3; i++) await advance(10); // the adaptive rate paces them after the 429
    await Promise.all(waiting);
    expect(through).toBe(3);
    // A first attempt that never answers holds the rest for 1 s only.
    const other = 'https://other.test';
    gate.ticket?.(other);
    expect(gate.ticket?.(other)).toBeUndefined();
    await advance(1_000);
    expect(gate.ticket?.(other)).toBeDefined();
    // Turned off: every attempt goes at once.
    const open = createRateGate({ clock, probeNewOrigins: false });
    expect([open.ticket?.(API), open.ticket?.(API), open.ticket?.(API)].every(Boolean)).toBe(true);
    expect(() => createRateGate({ probeNewOrigins: 'yes' as never })).toThrow('createRateGate: option "probeNewOrigins" must be a boolean, got yes.');
  });

  it('keeps a bounded number of idle origins, but never drops one held by a closure', async () => {
    const { clock } = manualClock();
    const gate = createRateGate({ clock, maxOrigins: 50 });
    const signal = new AbortController().signal;
    gate.observe('https://held.test', new Response(null, { status: 429, headers: { 'retry-after': '30' } }));
    for (let i = 0; i < 500; i++) {
      const origin = `https://o${i}.test`;
      await gate.acquire(origin, signal);
      gate.observe(origin, new Response('ok'), gate.ticket?.(origin));
    }
    expect(gate.size).toBeLessThanOrEqual(51);
    expect(gate.closedFor('https://held.test')).toBe(30_000);
  });

  it('shares closures between gates through a scheduler state store, never awaiting it', async () => {
    const store = createMemorySchedulerStore();
    const { clock } = manualClock();
    const a = createRateGate({ clock, store });
    const b = createRateGate({ clock, store });
    a.observe(API, new Response(null, { status: 429, headers: { 'retry-after': '4' } }));
    expect(b.closedFor(API)).toBe(4_000);
    b.observe(API, announce(0, '2'));
    expect(a.closedFor(API)).toBe(4_000);
    expect(() => createRateGate({ store: {} as never })).toThrow(/publish\(\) and subscribe\(\)/);
  });
});
