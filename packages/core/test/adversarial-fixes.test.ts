import { circuitBreaker, consecutiveBreaker, createRateGate, dedupe, rateLimit, samplingBreaker } from '@sluice/core';
import { describe, expect, it } from 'vitest';

const TOO_LONG = 3e9; // past 2^31-1 ms: setTimeout would fire after 1 ms, again and again

describe('timer-valued options above 2^31-1 ms are refused at creation (fix 2)', () => {
  it.each([
    ['maxClosedMs', () => createRateGate({ maxClosedMs: TOO_LONG })],
    ['releaseWindowMs', () => createRateGate({ releaseWindowMs: TOO_LONG })],
    ['interval', () => rateLimit({ limit: 1, interval: TOO_LONG })],
    ['halfOpenAfter', () => circuitBreaker({ halfOpenAfter: TOO_LONG })],
  ])('%s', (name, make) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(new RegExp(`"${name}" must be a finite number (of ms )?.*got 3000000000 \\(at most 2147483647, the longest timer\\)`));
  });

  it('accepts the longest timer itself', () => {
    expect(() => createRateGate({ maxClosedMs: 2 ** 31 - 1 })).not.toThrow();
    expect(() => rateLimit({ limit: 1, interval: 2 ** 31 - 1 })).not.toThrow();
    expect(() => circuitBreaker({ halfOpenAfter: 2 ** 31 - 1 })).not.toThrow();
  });

  it.each([0, 1.5, -1])('refuses maxOrigins %s (an integer ≥ 1)', (value) => {
    expect(() => createRateGate({ maxOrigins: value })).toThrow(new TypeError(`createRateGate: "maxOrigins" must be a positive integer, got ${value}.`));
  });
});

describe('unknown option keys are refused, naming the closest known key (fix 3)', () => {
  const cases: Array<[string, () => unknown, string]> = [
    ['dedupe', () => dedupe({ kye: () => 'k' } as never), 'dedupe(): unknown option "kye" (did you mean "key"?)'],
    ['circuitBreaker', () => circuitBreaker({ halfOpenAftr: 5 } as never), 'circuitBreaker(): unknown option "halfOpenAftr" (did you mean "halfOpenAfter"?)'],
    ['consecutiveBreaker', () => consecutiveBreaker({ thresold: 3 } as never), 'consecutiveBreaker(): unknown option "thresold" (did you mean "threshold"?)'],
    ['samplingBreaker', () => samplingBreaker({ duraton: 60_000 } as never), 'samplingBreaker(): unknown option "duraton" (did you mean "duration"?)'],
    ['rateLimit', () => rateLimit({ limit: 1, interval: 1000, kye: () => 'k' } as never), 'rateLimit(): unknown option "kye" (did you mean "key"?)'],
  ];
  it.each(cases)('%s', (_name, make, message) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
  });

  it.each([
    ['dedupe', () => dedupe('x' as never)],
    ['consecutiveBreaker', () => consecutiveBreaker(null as never)],
    ['samplingBreaker', () => samplingBreaker(7 as never)],
  ])('%s refuses options that are not an object', (name, make) => {
    expect(make).toThrow(new RegExp(`^${name}\\(\\): expected an options object, got (string|null|number)\\.$`));
  });

  it('still accepts every known key', () => {
    expect(() => dedupe({ methods: ['GET'], headers: ['accept'], key: () => 'k' })).not.toThrow();
    expect(() => consecutiveBreaker({ threshold: 3 })).not.toThrow();
    expect(() => samplingBreaker({ threshold: 0.5, duration: 10_000, minimumThroughput: 5 })).not.toThrow();
  });
});
