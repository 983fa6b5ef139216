import { describe, expect, it } from 'vitest';
import { fitBucketRate, herdBurst, herdRate, type SendOutcome } from '../src/rate-limit/bucket-fit.js';
import { tokenBucket } from './helpers.js';

/** Feeds `sends` to `server` until the first refusal: the accepted times and the refused one. */
function untilRefused(sends: number[], server: (now: number) => boolean) {
  const times: number[] = [];
  for (const at of sends) {
    if (!server(at)) return { times, refusedAt: at };
    times.push(at);
  }
  throw new Error('the server never refused');
}

/** Send times of a probe whose rate grows linearly from `from` by `growth` per second. */
function linearRamp(start: number, from: number, growth: number, count: number): number[] {
  const sends: number[] = [];
  let now = start;
  for (let i = 0; i < count; i++) {
    sends.push(now);
    now += 1000 / (from + (growth * (now - start)) / 1000);
  }
  return sends;
}

describe('fitBucketRate', () => {
  it('reads the refill rate through the saved burst and the tokens a slow start wasted', () => {
    for (const [perSecond, burst] of [
      [200, 20],
      [50, 10],
      [1000, 100],
    ] as const) {
      const start = 5000;
      // Starts at a third of the rate (the bucket overflows), grows past it.
      const sends = linearRamp(start, perSecond / 3, perSecond, 10_000);
      const { times, refusedAt } = untilRefused(sends, tokenBucket(perSecond, burst, start));
      const naive = times.length / ((refusedAt - start) / 1000); // accepted ÷ elapsed
      const fit = fitBucketRate(times, refusedAt, burst, start);
      expect(fit).toBeDefined();
      const fitError = Math.abs((fit as number) - perSecond) / perSecond;
      expect(fitError).toBeLessThan(0.01);
      expect(Math.abs(naive - perSecond) / perSecond).toBeGreaterThan(3 * fitError);
    }
  });

  it('says undefined when the outcome tells nothing', () => {
    expect(fitBucketRate([], 10, 20, 0)).toBeUndefined(); // no success
    expect(fitBucketRate([1, 2], 3, 0, 0)).toBeUndefined(); // no burst
    expect(fitBucketRate([1, 2], 0, 20, 0)).toBeUndefined(); // refused before the start
    // Refused while the burst alone should still have accepted it: no refill rate explains that.
    expect(fitBucketRate([1, 2, 3], 4, 20, 0)).toBeUndefined();
  });
});

describe('herdRate', () => {
  it('reads the refill rate from the successes among the refusals', () => {
    const server = tokenBucket(200, 20);
    const herd: SendOutcome[] = [];
    for (let i = 0; i < 60; i++) {
      const at = i * 1.25; // 60 arrivals over 75 ms
      herd.push({ at, accepted: server(at) });
    }
    const rate = herdRate(herd);
    expect(rate).toBeGreaterThan(170);
    expect(rate).toBeLessThan(230);
  });

  it('says undefined without a refusal, with too few successes after it, or over too short a time', () => {
    expect(herdRate([{ at: 0, accepted: true }])).toBeUndefined();
    const all = (at: number[], accepted: boolean) => at.map((time) => ({ at: time, accepted }));
    expect(herdRate([...all([0], false), ...all([5, 10, 15], true)])).toBeUndefined(); // 3 < 4 successes
    expect(herdRate([...all([0], false), ...all([1, 2, 3, 4], true)])).toBeUndefined(); // 4 ms < 10 ms
    expect(herdRate([...all([0], false), ...all([5, 10, 15, 20], true)])).toBe(200);
  });
});

describe('herdBurst', () => {
  it('is what the herd accepted less what the bucket refilled meanwhile', () => {
    const server = tokenBucket(200, 20);
    const herd: SendOutcome[] = [];
    for (let i = 0; i < 60; i++) herd.push({ at: i * 1.25, accepted: server(i * 1.25) });
    const accepted = herd.filter((outcome) => outcome.accepted).length;
    expect(accepted).toBeGreaterThan(30); // refills during the herd
    const burst = herdBurst(herd, 200) as number;
    expect(Math.abs(burst - 20)).toBeLessThan(1.5);
  });

  it('reads the burst from the densest span when the herd reached the server slowly at first', () => {
    const server = tokenBucket(200, 20);
    const herd: SendOutcome[] = [{ at: 0, accepted: server(0) }]; // the first answer, alone
    // 150 ms at 100/s (the bucket stays full), then 60 requests 1 ms apart.
    for (let at = 100; at < 250; at += 10) herd.push({ at, accepted: server(at) });
    for (let i = 0; i < 60; i++) herd.push({ at: 250 + i, accepted: server(250 + i) });
    const burst = herdBurst(herd, 200) as number;
    expect(Math.abs(burst - 20)).toBeLessThan(1.5); // from the first answer on, it would read 1
  });

  it('never goes under one, and says undefined for a herd without a success', () => {
    expect(herdBurst([{ at: 0, accepted: true }, { at: 1000, accepted: true }], 200)).toBe(1);
    expect(herdBurst([{ at: 0, accepted: false }], 200)).toBeUndefined();
    expect(herdBurst([], 200)).toBeUndefined();
  });
});
