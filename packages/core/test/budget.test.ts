import { describe, expect, it } from 'vitest';
import { createRetryBudget } from '@sluice/core';

describe('createRetryBudget', () => {
  it('starts full at 500 tokens; a retry costs 5, after a timeout or network error 10', () => {
    const budget = createRetryBudget();
    expect(budget.capacity).toBe(500);
    expect(budget.available).toBe(500);
    expect(budget.tryWithdraw('response')).toBe(true);
    expect(budget.available).toBe(495);
    expect(budget.tryWithdraw('timeout')).toBe(true);
    expect(budget.tryWithdraw('network')).toBe(true);
    expect(budget.available).toBe(475);
  });

  it('drains to empty, then refuses without taking anything', () => {
    const budget = createRetryBudget({ capacity: 12 });
    expect(budget.tryWithdraw('network')).toBe(true);
    expect(budget.available).toBe(2);
    expect(budget.tryWithdraw('response')).toBe(false);
    expect(budget.tryWithdraw('timeout')).toBe(false);
    expect(budget.available).toBe(2);
  });

  it('refills by 1 per success that needed no retry, never past capacity', () => {
    const budget = createRetryBudget({ capacity: 10 });
    budget.tryWithdraw('network');
    expect(budget.tryWithdraw('response')).toBe(false);
    for (let i = 0; i < 4; i++) budget.recordSuccess();
    expect(budget.tryWithdraw('response')).toBe(false);
    budget.recordSuccess();
    expect(budget.available).toBe(5);
    expect(budget.tryWithdraw('response')).toBe(true);
    for (let i = 0; i < 50; i++) budget.recordSuccess();
    expect(budget.available).toBe(10);
  });

  it('takes custom costs and refunds', () => {
    const budget = createRetryBudget({ capacity: 20, retryCost: 2, timeoutCost: 7, successRefund: 3 });
    budget.tryWithdraw('response');
    budget.tryWithdraw('timeout');
    expect(budget.available).toBe(11);
    budget.recordSuccess();
    expect(budget.available).toBe(14);
  });

  it('rejects bad options with a TypeError naming the option', () => {
    expect(() => createRetryBudget({ capacity: -1 })).toThrow(/"capacity" must be a finite number ≥ 0, got -1/);
    expect(() => createRetryBudget({ retryCost: Number.NaN })).toThrow(/"retryCost"/);
    expect(() => createRetryBudget(null as unknown as object)).toThrow(/options must be an object, got null/);
  });
});
