import { describe, expect, it } from 'vitest';
import { quotaLearn, quotaPaces, quotaRemaining, quotaTake, quotaWait } from '../src/rate-limit/quota-ledger.js';

// The announced-quota ledger (quota-ledger.ts, with its window and paced-bucket halves),
// through its own module. Times are ms on the gate's clock.

describe('quota ledger: a window', () => {
  it('opens on the first announcement and counts admitted attempts against it', () => {
    const ledger = quotaLearn(undefined, { limit: 10, remaining: 3, resetMs: 1000, windowMs: 1000, resetPrecise: false }, { seq: 1, at: 0 }, 10);
    expect(ledger).toBeDefined();
    if (!ledger) return;
    expect(ledger.kind).toBe('unknown');
    expect(quotaRemaining(ledger)).toBe(3);
    for (let seq = 2; seq <= 4; seq++) {
      expect(quotaWait(ledger, 20)).toBe(0);
      quotaTake(ledger, 20, seq);
    }
    expect(quotaRemaining(ledger)).toBe(0);
    expect(quotaWait(ledger, 20)).toBeGreaterThan(0); // held until the reset
  });

  it('returns nothing when there is no ledger and nothing is said of what is left', () => {
    expect(quotaLearn(undefined, { limit: 10, resetPrecise: false }, undefined, 0)).toBeUndefined();
  });

  it('keeps the lowest count of a window, and opens a fresh one on a jump of half the limit', () => {
    const ledger = quotaLearn(undefined, { limit: 10, remaining: 6, resetMs: 1000, resetPrecise: false }, { seq: 1, at: 0 }, 5);
    if (!ledger) throw new Error('no ledger');
    quotaLearn(ledger, { limit: 10, remaining: 4, resetMs: 900, resetPrecise: false }, { seq: 2, at: 0 }, 100);
    quotaLearn(ledger, { limit: 10, remaining: 5, resetMs: 900, resetPrecise: false }, { seq: 3, at: 0 }, 110); // out of order
    expect(ledger.floor).toBe(4);
    quotaLearn(ledger, { limit: 10, remaining: 9, resetMs: 1000, resetPrecise: false }, { seq: 4, at: 120 }, 130);
    expect(ledger.floor).toBe(9);
  });

  it('tells a window from a bucket by the early probe: refused means a window', () => {
    const ledger = quotaLearn(undefined, { limit: 10, remaining: 0, resetMs: 10_000, resetPrecise: false }, { seq: 1, at: 0 }, 0);
    if (!ledger) throw new Error('no ledger');
    expect(ledger.exhaustedAt).toBe(0);
    const probeWait = quotaWait(ledger, 0);
    expect(probeWait).toBeGreaterThan(0);
    expect(probeWait).toBeLessThan(10_000); // the early probe goes well before the reset
    expect(quotaWait(ledger, probeWait)).toBe(0);
    quotaTake(ledger, probeWait, 2);
    expect(ledger.earlyProbe).toBe(2);
    quotaLearn(ledger, { limit: 10, remaining: 0, resetMs: 9_000, resetPrecise: false }, { seq: 2, at: probeWait }, probeWait + 10, 2, true);
    expect(ledger.kind).toBe('window');
  });
});

describe('quota ledger: a paced bucket', () => {
  it('becomes a paced bucket when the early probe is answered inside the window, and paces at its rate', () => {
    const ledger = quotaLearn(undefined, { limit: 10, remaining: 0, resetMs: 10_000, windowMs: 10_000, resetPrecise: false }, { seq: 1, at: 0 }, 0);
    if (!ledger) throw new Error('no ledger');
    expect(ledger.rate).toBe(10 / 10_000);
    const probeAt = quotaWait(ledger, 0);
    quotaTake(ledger, probeAt, 2);
    quotaLearn(ledger, { limit: 10, remaining: 1, resetMs: 9_000, windowMs: 10_000, resetPrecise: false }, { seq: 2, at: probeAt }, probeAt + 10);
    expect(ledger.kind).toBe('bucket');
    expect(quotaPaces(ledger)).toBe(true);
    // A bucket that refills 1 request per second: the next one waits for a token.
    const now = probeAt + 20;
    const wait = quotaWait(ledger, now);
    expect(wait).toBeGreaterThan(0);
    expect(quotaWait(ledger, now + wait)).toBe(0);
  });
});
