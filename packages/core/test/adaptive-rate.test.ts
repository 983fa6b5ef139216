import { describe, expect, it } from 'vitest';
import { type AdaptiveRate, createAdaptiveRate } from '../src/rate-limit/adaptive-rate.js';
import { tokenBucket } from './helpers.js';

/** Sends `count` requests at `perSecond`, each accepted, from `start`; returns the end time. */
function steady(rate: ReturnType<typeof createAdaptiveRate>, start: number, perSecond: number, count: number): number {
  let now = start;
  for (let i = 0; i < count; i++) {
    now = start + (i * 1000) / perSecond;
    expect(rate.take(now)).toBe(0);
    rate.accepted(now);
  }
  return now;
}

/** `count` requests sent at `start`, reaching the server `spacing` ms apart (each answered on arrival). */
function herd(rate: AdaptiveRate, server: (now: number) => boolean, count: number, spacing: number, start = 0): void {
  for (let i = 0; i < count; i++) expect(rate.take(start)).toBe(0);
  for (let i = 0; i < count; i++) {
    const at = start + 1 + i * spacing;
    if (server(at)) rate.accepted(at);
    else rate.throttled(at);
  }
}

/** Sends as fast as `rate` allows from `start` until the server refuses one. */
function probe(rate: AdaptiveRate, server: (now: number) => boolean, start: number): { end: number; accepted: number } {
  let now = start;
  let accepted = 0;
  for (;;) {
    const wait = rate.take(now);
    if (wait > 0) {
      now += wait;
      continue;
    }
    if (!server(now)) {
      rate.throttled(now);
      return { end: now, accepted };
    }
    rate.accepted(now);
    accepted++;
  }
}

/**
 * Like {@link probe}, but each answer comes back `latency` ms after its send (the server
 * decides on arrival, half-way): answers and sends interleave as they do on the wire.
 * Returns when the first refusal is answered.
 */
function probeWithLatency(rate: AdaptiveRate, server: (now: number) => boolean, start: number, latency: number): number {
  const pending: Array<{ at: number; ok: boolean }> = [];
  let now = start;
  for (;;) {
    const wait = rate.take(now);
    const next = wait > 0 ? now + wait : now;
    while (pending.length > 0 && (pending[0] as { at: number }).at <= next) {
      const answer = pending.shift() as { at: number; ok: boolean };
      if (!answer.ok) {
        rate.throttled(answer.at);
        return answer.at;
      }
      rate.accepted(answer.at);
    }
    if (wait > 0) {
      now = next;
      continue;
    }
    pending.push({ at: now + latency, ok: server(now + latency / 2) });
  }
}

describe('createAdaptiveRate', () => {
  it('costs nothing until the first throttle', () => {
    const rate = createAdaptiveRate();
    expect(rate.enabled).toBe(false);
    expect(rate.rate(0)).toBe(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 1000; i++) expect(rate.take(0)).toBe(0);
  });

  it('after a throttle in steady traffic, falls to β × the accepted rate and probes back up (CUBIC)', () => {
    const rate = createAdaptiveRate();
    const end = steady(rate, 0, 100, 300); // 3 s at 100/s
    rate.throttled(end);
    expect(rate.enabled).toBe(true);
    const resume = end + 1000;
    expect(rate.take(resume)).toBe(0); // sending resumes: the CUBIC clock starts here
    const wMax = rate.rate(resume) / 0.7;
    expect(wMax).toBeGreaterThan(90);
    expect(wMax).toBeLessThanOrEqual(101);
    const k = Math.cbrt((wMax * 0.3) / 0.4) * 1000; // ms back to W_max
    expect(rate.rate(resume + k / 2)).toBeLessThan(wMax);
    expect(rate.rate(resume + k / 2)).toBeGreaterThan(rate.rate(resume));
    expect(rate.rate(resume + k)).toBeCloseTo(wMax, 5);
  });

  it('paces sends with a token bucket at the current rate', () => {
    const rate = createAdaptiveRate({ burstSeconds: 0 });
    const end = steady(rate, 0, 10, 30);
    rate.throttled(end);
    const resume = end + 1000;
    expect(rate.take(resume)).toBe(0);
    const wait = rate.take(resume);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBe(Math.ceil(1000 / rate.rate(resume)));
    expect(rate.take(resume + wait)).toBe(0);
  });

  it('after a herd, starts from the herd’s successes per second and doubles (slow start)', () => {
    const rate = createAdaptiveRate({ slowStartDoublingMs: 100 });
    for (let i = 0; i < 50; i++) rate.take(0);
    for (let i = 0; i < 20; i++) rate.accepted(5);
    rate.throttled(6);
    rate.accepted(8); // a straggler of the herd
    expect(rate.take(1006)).toBe(0);
    expect(rate.rate(1006)).toBe(21);
    expect(rate.rate(1106)).toBeCloseTo(42, 5);
    expect(rate.rate(1306)).toBeCloseTo(168, 5);
  });

  it('after the slow start ends in a throttle, fits the server’s bucket and resumes just under its rate, holding it twice as long', () => {
    const rate = createAdaptiveRate({ slowStartDoublingMs: 100 });
    const server = tokenBucket(200, 20);
    herd(rate, server, 50, 0); // 20 accepted, 30 refused, all at once
    const { end, accepted } = probe(rate, server, 1006);
    const naive = accepted / ((end - 1006) / 1000); // accepted ÷ elapsed, the old estimate
    expect(naive).toBeLessThan(180); // thrown off by the slow start's wasted tokens
    const reopen = end + 1000;
    expect(rate.take(reopen)).toBe(0);
    const resumed = rate.rate(reopen);
    // The doubling probe drains the bucket within ~150 ms, which pins the rate to a few %:
    // the limiter stays that much under it.
    expect(resumed).toBeGreaterThan(0.9 * 200);
    expect(resumed).toBeLessThanOrEqual(200);
    const wMax = resumed / 0.99;
    const k = 2 * Math.cbrt((wMax * 0.3) / 0.4) * 1000;
    expect(rate.rate(reopen + k / 2)).toBeCloseTo(resumed, 5); // still on the floor
    expect(rate.rate(reopen + k)).toBeCloseTo(wMax, 5);
    expect(rate.rate(reopen + k + 2000)).toBeGreaterThan(wMax); // and probes past it later
  });

  it('after a herd that kept hitting a dry bucket, probes slowly from its rough rate and learns the rate', () => {
    const rate = createAdaptiveRate();
    const server = tokenBucket(200, 20);
    herd(rate, server, 50, 1.5); // arrivals spread over 75 ms, like new connections: successes among the refusals
    const reopen = 1080;
    expect(rate.take(reopen)).toBe(0);
    const start = rate.rate(reopen);
    expect(start).toBeGreaterThan(0.85 * 0.8 * 200); // 0.85 × a rough rate, not 20/s
    expect(start).toBeLessThan(200);
    expect(rate.rate(reopen + 1000) - start).toBeCloseTo(start * (0.3 / 0.85), 5); // grows linearly
    const { end } = probe(rate, server, reopen + 1);
    const resumed = rate.rate(end + 1000);
    expect(resumed).toBeGreaterThan(0.97 * 200);
    expect(resumed).toBeLessThanOrEqual(200);
  });

  it('counts the first second from the first answer: a herd behind a late first request is still a herd', () => {
    // Thousands of calls fired at once keep the client busy: the first attempt takes its turn
    // at 0 but reaches the server at 900 ms, and the herd its answer releases meets a dry bucket
    // 150 ms later. Counted from the first send, that throttle came after "a second of steady
    // sending", and the rate fell to β × 50 per second (the 2,000-call bench took 2.1× the ideal).
    const rate = createAdaptiveRate();
    const server = tokenBucket(200, 20);
    expect(rate.take(0)).toBe(0);
    if (server(900)) rate.accepted(900);
    herd(rate, server, 80, 3, 900);
    expect(rate.enabled).toBe(true);
    const reopen = 2300;
    expect(rate.take(reopen)).toBe(0);
    expect(rate.rate(reopen)).toBeGreaterThan(0.85 * 0.8 * 200); // 0.85 × the herd's rough rate
    expect(rate.rate(reopen)).toBeLessThan(200);
  });

  it('after a slow herd that no bucket fit explains, resumes near the rate the server served over the probe’s last second', () => {
    // A loaded client: the herd's requests reach the server over 450 ms, after the first answer's
    // round trip, so its burst reads as 1 and the probe that follows fits no bucket.
    const rate = createAdaptiveRate();
    const server = tokenBucket(200, 20);
    expect(rate.take(0)).toBe(0); // a new origin's first attempt goes alone…
    if (server(20)) rate.accepted(40); // …and the rest follow its answer
    herd(rate, server, 120, 3.75, 40);
    const reopen = 1500;
    expect(rate.take(reopen)).toBe(0);
    for (let i = 0; i < 30; i++) rate.accepted(reopen + 1); // late answers to requests sent before the closure
    const end = probeWithLatency(rate, server, reopen + 1, 60);
    expect(end - reopen).toBeGreaterThan(1000); // the probe ran over a second
    const resumed = rate.rate(end + 1000);
    expect(resumed).toBeGreaterThan(0.9 * 200); // not the probe's average, which its slow start drags down
    expect(resumed).toBeLessThanOrEqual(200);
  });

  it('spends most of the burst the server saved while the gate was closed at once', () => {
    const rate = createAdaptiveRate();
    const server = tokenBucket(200, 20);
    herd(rate, server, 50, 0);
    const { end } = probe(rate, server, 1006);
    const reopen = end + 1000;
    let atOnce = 0;
    while (rate.take(reopen) === 0) atOnce++;
    expect(atOnce).toBeGreaterThanOrEqual(14); // 0.75 × 20, and the first token
    expect(atOnce).toBeLessThan(20);
  });

  it('falls back to the accepted rate when no bucket explains the probe', () => {
    const rate = createAdaptiveRate();
    herd(rate, tokenBucket(200, 20), 50, 0);
    // The probe's first request is refused: nothing to fit.
    expect(rate.take(1006)).toBe(0);
    rate.throttled(1007);
    expect(rate.take(2007)).toBe(0);
    expect(rate.rate(2007)).toBeGreaterThanOrEqual(0.5);
    expect(rate.rate(2007)).toBeLessThan(20);
  });

  it('with probeFloor equal to β, a measured throttle cuts like any other', () => {
    const rate = createAdaptiveRate({ probeFloor: 0.7 });
    for (let i = 0; i < 50; i++) rate.take(0);
    rate.throttled(6);
    let now = 1006;
    for (let sent = 0; sent < 40; ) {
      const wait = rate.take(now);
      if (wait === 0) {
        rate.accepted(now);
        sent++;
      } else now += wait;
    }
    rate.throttled(now + 1);
    const measured = 40 / ((now + 1 - 1006) / 1000);
    expect(rate.take(now + 1001)).toBe(0);
    expect(rate.rate(now + 1001)).toBeCloseTo(measured * 0.7, 5);
  });

  it('counts throttles that arrive together once', () => {
    const rate = createAdaptiveRate();
    const end = steady(rate, 0, 100, 300);
    rate.throttled(end);
    rate.take(end + 50); // a 429 without Retry-After: sending goes on at the lower rate
    const after = rate.rate(end + 50);
    rate.throttled(end + 60); // within coalesceMs (100 ms) of the first
    expect(rate.rate(end + 50)).toBe(after);
    rate.throttled(end + 200); // a later one counts
    expect(rate.rate(end + 200)).toBeLessThan(after);
  });

  it('ignores throttles answering requests sent before the last throttle', () => {
    const rate = createAdaptiveRate({ coalesceMs: 0 });
    const end = steady(rate, 0, 100, 300);
    rate.throttled(end);
    const floor = rate.rate(end + 500);
    rate.throttled(end + 500); // no send since: a late answer of the same herd
    expect(rate.rate(end + 500)).toBe(floor);
  });

  it('never goes below minRate', () => {
    const rate = createAdaptiveRate({ minRate: 2, coalesceMs: 0 });
    rate.take(0);
    rate.throttled(2000);
    for (let i = 1; i <= 20; i++) {
      rate.take(i * 3000);
      rate.throttled(i * 3000 + 100);
    }
    expect(rate.rate(100_000)).toBeGreaterThanOrEqual(2);
  });

  it('rejects bad options with a TypeError naming the option', () => {
    expect(() => createAdaptiveRate({ beta: 1.5 })).toThrow(/"beta" must be a finite number in \(0, 1\], got 1.5/);
    expect(() => createAdaptiveRate({ scale: 0 })).toThrow(/"scale" must be a finite number > 0, got 0/);
    expect(() => createAdaptiveRate({ minRate: Number.NaN })).toThrow(/"minRate"/);
    expect(() => createAdaptiveRate({ burstSeconds: -1 })).toThrow(/"burstSeconds" must be a finite number ≥ 0/);
    expect(() => createAdaptiveRate({ coalesceMs: -5 })).toThrow(/"coalesceMs"/);
    expect(() => createAdaptiveRate({ probeFloor: 1.2 })).toThrow(/"probeFloor" must be a finite number in \(0, 1\], got 1.2/);
  });
});
