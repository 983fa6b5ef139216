import { parseRetryAfter, quotaExhausted, serverDelay } from '@sluice/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** 1994-11-06T08:49:07Z: 30 s before the RFC 9110 example date. */
const NOW = Date.UTC(1994, 10, 6, 8, 49, 7);
/** A current-looking clock for the epoch heuristics: 2026-01-01T00:00:00Z. */
const TODAY = Date.UTC(2026, 0, 1);
const headers = (init: Record<string, string>) => new Headers(init);

describe('parseRetryAfter', () => {
  it('reads delay-seconds as milliseconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('  7 ', NOW)).toBe(7_000);
  });

  it('accepts a decimal number of seconds, rounded up to a whole millisecond', () => {
    expect(parseRetryAfter('1.5', NOW)).toBe(1_500);
    expect(parseRetryAfter('0.0001', NOW)).toBe(1);
  });

  it('turns a negative number into 0', () => {
    expect(parseRetryAfter('-5', NOW)).toBe(0);
  });

  it('reads the IMF-fixdate form', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(30_000);
  });

  it('reads the RFC 850 form, with its two-digit year', () => {
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(30_000);
  });

  it('reads a two-digit year more than 50 years ahead as the most recent past one', () => {
    // now is 2026: "76" is 2076 (50 years ahead, kept), "77" is 1977 (51 ahead, moved back)
    expect(parseRetryAfter('Thursday, 01-Jan-76 00:00:00 GMT', TODAY)).toBe(Date.UTC(2076, 0, 1) - TODAY);
    expect(parseRetryAfter('Saturday, 01-Jan-77 00:00:00 GMT', TODAY)).toBe(0);
  });

  it('reads the asctime form, with a space-padded day', () => {
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', NOW)).toBe(30_000);
    expect(parseRetryAfter('Wed Nov 16 08:49:37 1994', NOW)).toBe(10 * 86_400_000 + 30_000);
  });

  it('is lenient about letter case', () => {
    expect(parseRetryAfter('sun, 06 nov 1994 08:49:37 gmt', NOW)).toBe(30_000);
  });

  it('gives 0 for a date in the past', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:00:00 GMT', NOW)).toBe(0);
  });

  it('uses Date.now() when no clock is given', () => {
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    const delay = parseRetryAfter(inTenSeconds);
    expect(delay).toBeGreaterThan(5_000);
    expect(delay).toBeLessThanOrEqual(10_000);
  });

  it.each([
    [null],
    [undefined],
    [''],
    ['   '],
    ['soon'],
    ['1e3'],
    ['0x10'],
    ['12 seconds'],
    ['Infinity'],
    ['2024-01-01T00:00:00Z'],
    ['Sun, 06 Nov 1994 08:49:37'],
    ['Sun, 06 Nov 1994 08:49:37 UTC'],
    ['Sun, 31 Feb 1994 08:49:37 GMT'],
    ['Sun, 06 Nov 1994 25:49:37 GMT'],
    ['Sun, 06 Nov 1994 08:61:37 GMT'],
    ['Sun, 06 Foo 1994 08:49:37 GMT'],
    ['Sunday, 06-Nov-1994 08:49:37 GMT'],
    ['Sun Nov 6 08:49:37'],
  ])('gives undefined for the malformed value %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  it('never returns a negative or non-finite delay for any digit string', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^-?\d{1,25}$/), (value) => {
        const delay = parseRetryAfter(value, NOW);
        return delay !== undefined && Number.isFinite(delay) && delay >= 0;
      }),
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const delay = parseRetryAfter(value, NOW);
        return delay === undefined || delay >= 0;
      }),
    );
  });
});

describe('serverDelay', () => {
  it('prefers Retry-After over every rate-limit header', () => {
    expect(serverDelay(headers({ 'retry-after': '3', 'x-ratelimit-reset-after': '9', ratelimit: 'r=0;t=8' }), NOW)).toBe(3_000);
  });

  it('reads Retry-After-Ms first, as milliseconds', () => {
    expect(serverDelay(headers({ 'retry-after-ms': '250', 'retry-after': '1' }), NOW)).toBe(250);
  });

  it('reads an HTTP-date Retry-After against the injected clock', () => {
    expect(serverDelay(headers({ 'retry-after': 'Sun, 06 Nov 1994 08:49:37 GMT' }), NOW)).toBe(30_000);
  });

  it('skips a malformed Retry-After and falls back to the next header', () => {
    expect(serverDelay(headers({ 'retry-after': 'later', 'x-ratelimit-reset-after': '4' }), NOW)).toBe(4_000);
  });

  it('reads the IETF RateLimit field: t= seconds', () => {
    expect(serverDelay(headers({ ratelimit: '"default";r=0;t=5' }), NOW)).toBe(5_000);
    expect(serverDelay(headers({ ratelimit: 'r=0;t=2' }), NOW)).toBe(2_000);
  });

  it('with several RateLimit policies, the exhausted ones decide and the longest wait wins', () => {
    expect(serverDelay(headers({ ratelimit: '"burst";r=5;t=1, "day";r=0;t=60, "hour";r=0;t=30' }), NOW)).toBe(60_000);
    expect(serverDelay(headers({ ratelimit: '"burst";r=5;t=1, "hour";r=9;t=30' }), NOW)).toBe(30_000);
  });

  it('reads the older combined RateLimit form (reset=)', () => {
    expect(serverDelay(headers({ ratelimit: 'limit=100, remaining=0, reset=12' }), NOW)).toBe(12_000);
  });

  it('reads RateLimit-Reset as delta seconds', () => {
    expect(serverDelay(headers({ 'ratelimit-reset': '6' }), TODAY)).toBe(6_000);
  });

  it('reads X-RateLimit-Reset as epoch seconds when it is a current epoch', () => {
    const reset = String(TODAY / 1000 + 42);
    expect(serverDelay(headers({ 'x-ratelimit-reset': reset }), TODAY)).toBe(42_000);
  });

  it('reads X-RateLimit-Reset as epoch milliseconds when it is one', () => {
    expect(serverDelay(headers({ 'x-ratelimit-reset': String(TODAY + 1_500) }), TODAY)).toBe(1_500);
  });

  it('reads X-RateLimit-Reset as delta seconds when it is not an epoch', () => {
    expect(serverDelay(headers({ 'x-ratelimit-reset': '30' }), TODAY)).toBe(30_000);
  });

  it('gives 0 for an epoch reset already past', () => {
    expect(serverDelay(headers({ 'x-ratelimit-reset': String(TODAY / 1000 - 10) }), TODAY)).toBe(0);
  });

  it('reads X-RateLimit-Reset-After with decimals', () => {
    expect(serverDelay(headers({ 'x-ratelimit-reset-after': '1.25' }), NOW)).toBe(1_250);
  });

  it('gives undefined when no header holds a usable delay', () => {
    expect(serverDelay(headers({}), NOW)).toBeUndefined();
    expect(
      serverDelay(headers({ 'retry-after': 'x', ratelimit: '"default";r=0', 'ratelimit-reset': 'soon', 'x-ratelimit-reset': '' }), NOW),
    ).toBeUndefined();
  });
});

describe('quotaExhausted', () => {
  it('closes on RateLimit r=0 with t=', () => {
    expect(quotaExhausted(headers({ ratelimit: '"default";r=0;t=7' }), NOW)).toBe(7_000);
  });

  it('stays open while RateLimit has quota left', () => {
    expect(quotaExhausted(headers({ ratelimit: '"default";r=3;t=7' }), NOW)).toBeUndefined();
  });

  it('closes on the older combined form remaining=0, reset=', () => {
    expect(quotaExhausted(headers({ ratelimit: 'limit=10, remaining=0, reset=3' }), NOW)).toBe(3_000);
    expect(quotaExhausted(headers({ ratelimit: 'limit=10, remaining=4, reset=3' }), NOW)).toBeUndefined();
  });

  it('closes on RateLimit-Remaining: 0 with RateLimit-Reset', () => {
    expect(quotaExhausted(headers({ 'ratelimit-remaining': '0', 'ratelimit-reset': '9' }), TODAY)).toBe(9_000);
  });

  it('closes on X-RateLimit-Remaining: 0 with an epoch X-RateLimit-Reset', () => {
    const h = headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(TODAY / 1000 + 5) });
    expect(quotaExhausted(h, TODAY)).toBe(5_000);
  });

  it('closes on X-RateLimit-Remaining: 0 with X-RateLimit-Reset-After', () => {
    expect(quotaExhausted(headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '2' }), NOW)).toBe(2_000);
  });

  it('gives undefined when the quota is used up but no reset comes with it', () => {
    expect(quotaExhausted(headers({ 'x-ratelimit-remaining': '0' }), NOW)).toBeUndefined();
    expect(quotaExhausted(headers({ ratelimit: '"default";r=0' }), NOW)).toBeUndefined();
    expect(quotaExhausted(headers({ 'ratelimit-remaining': '0', 'ratelimit-reset': 'soon' }), NOW)).toBeUndefined();
  });

  it('gives undefined when quota remains or the remaining count is malformed', () => {
    expect(quotaExhausted(headers({ 'x-ratelimit-remaining': '12', 'x-ratelimit-reset-after': '2' }), NOW)).toBeUndefined();
    expect(quotaExhausted(headers({ 'x-ratelimit-remaining': 'none', 'x-ratelimit-reset-after': '2' }), NOW)).toBeUndefined();
    expect(quotaExhausted(headers({}), NOW)).toBeUndefined();
  });

  it('does not read Retry-After: that is a throttle, not a quota', () => {
    expect(quotaExhausted(headers({ 'retry-after': '5' }), NOW)).toBeUndefined();
  });
});
