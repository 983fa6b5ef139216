import { compose, correlationId, errors, type FetchLike, type Middleware, secretsOf } from '@sluice/core';
import { describe, expect, it } from 'vitest';

const ok: FetchLike = async () => new Response('fine');

describe('secretsOf: where a response keeps its secrets view', () => {
  it('reads the view of a pipeline response, hidden from enumeration', async () => {
    const response = await compose([correlationId({ id: 'cid-slot' })], { fetch: ok })('https://slot.test/items?token=abc');
    expect(secretsOf(response)?.correlationId).toBe('cid-slot');
    expect(secretsOf(response)?.url('https://slot.test/items?token=abc')).toBe('https://slot.test/items?token=%5BREDACTED%5D');
    const symbols = Object.getOwnPropertySymbols(response);
    expect(symbols.length).toBeGreaterThan(0);
    expect(symbols.every((key) => Object.getOwnPropertyDescriptor(response, key)?.enumerable === false)).toBe(true);
    expect(JSON.stringify(Object.entries(response))).not.toContain('cid-slot');
  });

  it('still finds the view of a response that takes no property (frozen)', async () => {
    const freezer: Middleware = { name: 'freezer', handle: async (request, _context, next) => Object.freeze(await next(request)) };
    const response = await compose([correlationId({ id: 'cid-frozen' }), freezer], { fetch: ok })('https://slot.test/frozen');
    expect(Object.isFrozen(response)).toBe(true);
    expect(secretsOf(response)?.correlationId).toBe('cid-frozen');
  });

  it('reads the view of a response the errors middleware guards, and a re-tag replaces it', async () => {
    const inner = compose([errors(), correlationId({ id: 'cid-inner' })], { fetch: ok });
    const guarded = await inner('https://slot.test/guarded?token=abc');
    expect(secretsOf(guarded)?.correlationId).toBe('cid-inner');
    expect(secretsOf(guarded)?.url('https://slot.test/guarded?token=abc')).toBe('https://slot.test/guarded?token=%5BREDACTED%5D');
    expect(await guarded.text()).toBe('fine');
    const outer = compose([correlationId({ id: 'cid-outer' })], { fetch: (request) => inner(request) });
    expect(secretsOf(await outer('https://slot.test/nested'))?.correlationId).toBe('cid-outer');
  });

  it('has no view for a response no pipeline returned', () => {
    expect(secretsOf(new Response('x'))).toBeUndefined();
  });
});
