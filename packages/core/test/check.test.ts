import { describe, expect, it } from 'vitest';
import { checkNumber, checkOneOf, concurrency, createRateGate, createRetryBudget, exponentialBackoff, retry, timeout } from '@sluice/core';

describe('checkNumber', () => {
  it('returns a value that fits the rule', () => {
    expect(checkNumber('w', 'n', 0)).toBe(0);
    expect(checkNumber('w', 'n', 5, { integer: true, min: 1 })).toBe(5);
    expect(checkNumber('w', 'n', 1, { above: true, max: 1 })).toBe(1);
    expect(checkNumber('w', 'n', Number.POSITIVE_INFINITY, { finite: false })).toBe(Number.POSITIVE_INFINITY);
  });

  it.each([
    [-1, {}, 'w: "n" must be a finite number ≥ 0, got -1.'],
    [Number.NaN, {}, 'w: "n" must be a finite number ≥ 0, got NaN.'],
    [Number.POSITIVE_INFINITY, {}, 'w: "n" must be a finite number ≥ 0, got Infinity.'],
    ['5', {}, 'w: "n" must be a finite number ≥ 0, got "5".'],
    [0, { above: true }, 'w: "n" must be a finite number > 0, got 0.'],
    [1.5, { above: true, max: 1 }, 'w: "n" must be a finite number in (0, 1], got 1.5.'],
    [0, { integer: true, min: 1 }, 'w: "n" must be a positive integer, got 0.'],
    [1.5, { integer: true }, 'w: "n" must be an integer ≥ 0, got 1.5.'],
    [-3, { unit: 'ms', finite: false }, 'w: "n" must be a number of ms ≥ 0, got -3.'],
    [0, { unit: 'ms', above: true, max: 100 }, 'w: "n" must be a finite number of ms in (0, 100], got 0.'],
  ] as const)('refuses %s under %o with one wording', (value, rule, message) => {
    expect(() => checkNumber('w', 'n', value, rule)).toThrow(new TypeError(message));
  });
});

describe('checkOneOf', () => {
  it('returns an allowed value and refuses others, quoting what it got', () => {
    expect(checkOneOf('w', 'mode', 'b', ['a', 'b'])).toBe('b');
    expect(() => checkOneOf('w', 'mode', 'c', ['a', 'b', 'd'])).toThrow(new TypeError(`w: "mode" must be 'a', 'b' or 'd', got "c".`));
    expect(() => checkOneOf('w', 'mode', 3, ['a', 'b'])).toThrow(new TypeError(`w: "mode" must be 'a' or 'b', got 3.`));
  });
});

describe('the built-in checks share the wording', () => {
  it.each([
    [() => createRateGate({ maxClosedMs: -1 }), 'createRateGate: "maxClosedMs" must be a finite number ≥ 0, got -1 (at most 2147483647, the longest timer).'],
    [() => createRetryBudget({ retryCost: -1 }), 'createRetryBudget: "retryCost" must be a finite number ≥ 0, got -1.'],
    [() => exponentialBackoff({ cap: -1 }), 'exponentialBackoff: "cap" must be a finite number of ms ≥ 0, got -1.'],
    [() => timeout({ total: 0 }), 'timeout(): "total" must be a finite number of ms > 0, got 0 (at most 2147483647, the longest timer).'],
    [() => retry({ limit: -1 }), 'retry: "limit" must be an integer ≥ 0, got -1.'],
    [() => concurrency({ limit: 0 }), 'concurrency: "limit" must be a positive integer, got 0.'],
  ])('%#', (make, message) => {
    expect(make).toThrow(new TypeError(message));
  });
});
