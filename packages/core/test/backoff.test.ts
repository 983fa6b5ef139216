import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Context } from '@sluice/core';
import { DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP, exponentialBackoff } from '@sluice/core';

const context = {} as Context;

describe('exponentialBackoff', () => {
  it('defaults to a 300 ms base doubling per retry, capped at 30 s', () => {
    expect(DEFAULT_BACKOFF_BASE).toBe(300);
    expect(DEFAULT_BACKOFF_CAP).toBe(30_000);
    const almostOne = exponentialBackoff({ random: () => 0.999_999 });
    expect([1, 2, 3, 4].map((n) => almostOne(n, context))).toEqual([299, 599, 1199, 2399]);
    expect(almostOne(7, context)).toBe(19_199);
    expect(almostOne(8, context)).toBe(29_999);
    expect(almostOne(50, context)).toBe(29_999);
  });

  it('applies full jitter: the random draw scales the whole ceiling', () => {
    const half = exponentialBackoff({ base: 100, cap: 1_000, random: () => 0.5 });
    expect([1, 2, 3, 4, 5, 6].map((n) => half(n, context))).toEqual([50, 100, 200, 400, 500, 500]);
    expect(exponentialBackoff({ random: () => 0 })(3, context)).toBe(0);
  });

  it('stays within [0, min(cap, base × 2^(n-1))) for any draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 64 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (base, cap, retry, draw) => {
          const delay = exponentialBackoff({ base, cap, random: () => draw })(retry, context);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(Math.max(1, Math.min(cap, base * 2 ** (retry - 1))));
        },
      ),
    );
  });

  it('rejects bad options with a TypeError naming the option', () => {
    expect(() => exponentialBackoff({ base: -1 })).toThrow(/"base" must be a finite number of ms ≥ 0, got -1/);
    expect(() => exponentialBackoff({ cap: Number.POSITIVE_INFINITY })).toThrow(/"cap" must be a finite number/);
    expect(() => exponentialBackoff({ random: 0.5 as unknown as () => number })).toThrow(/"random" must be a function/);
  });
});
