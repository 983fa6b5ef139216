import {
  type Context,
  cloneForReplay,
  compose,
  correlationId,
  errors,
  type Middleware,
  retry,
  SluiceError,
  newCorrelationId,
  observe,
  type SluiceEvent,
  withOperation,
} from '@sluice/core';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '@sluice/testing/node';

const BASE = 'https://cid.test';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const seen: Array<string | null> = [];

useServer(
  { beforeAll, afterEach, afterAll },
  http.all(`${BASE}/*`, ({ request }) => {
    seen.push(request.headers.get('x-correlation-id') ?? request.headers.get('x-request-id'));
    return HttpResponse.text('ok');
  }),
);
afterEach(() => {
  seen.length = 0;
});

/** Calls next three times, like a retry that replays. */
const thrice: Middleware = {
  name: 'thrice',
  async handle(request, context, next) {
    let response: Response | undefined;
    for (let i = 0; i < 3; i++) {
      context.attempt = i + 1;
      response = await next(await cloneForReplay(request, context, 'retry'));
    }
    return response as Response;
  },
};

describe('correlationId', () => {
  it('sends a new random UUID per logical request and sets context.correlationId', async () => {
    let context: Context | undefined;
    const spy: Middleware = { name: 'spy', handle(request, ctx, next) {
      context = ctx;
      return next(request);
    } };
    const pipeline = compose([correlationId(), spy]);
    await pipeline(`${BASE}/a`);
    await pipeline(`${BASE}/b`);
    expect(seen[0]).toMatch(UUID);
    expect(seen[1]).toMatch(UUID);
    expect(seen[0]).not.toBe(seen[1]);
    expect(context?.correlationId).toBe(seen[1]);
  });

  it('keeps the same id on every replay of one request', async () => {
    const pipeline = compose([correlationId(), thrice]);
    await pipeline(`${BASE}/a`, { method: 'POST', body: 'x' });
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]).toMatch(UUID);
  });

  it('keeps the id when it runs again inside an outer replay', async () => {
    const pipeline = compose([thrice, correlationId()]);
    await pipeline(`${BASE}/a`);
    expect(new Set(seen).size).toBe(1);
  });

  it('uses a fixed id, which wins over the prefix', async () => {
    await compose([correlationId({ id: 'custom_correlation_id_1234', userId: 'u', applicationId: 'a' })])(`${BASE}/a`);
    expect(seen).toEqual(['custom_correlation_id_1234']);
  });

  it('prefixes generated ids with userId/applicationId (Sequoia format)', async () => {
    const pipeline = compose([correlationId({ userId: 'user123', applicationId: 'app101' })]);
    await pipeline(`${BASE}/a`);
    await pipeline(`${BASE}/b`);
    const [first, second] = seen as string[];
    expect(first).toMatch(/^user123\/app101\/[0-9a-f-]{36}$/);
    expect(second).toMatch(/^user123\/app101\/[0-9a-f-]{36}$/);
    expect(first).not.toBe(second);
  });

  it('uses a custom generator and header', async () => {
    let n = 0;
    await compose([correlationId({ header: 'X-Request-Id', generate: () => `req-${++n}` })])(`${BASE}/a`);
    expect(seen).toEqual(['req-1']);
  });

  it('lets the per-request option win', async () => {
    await compose([correlationId({ id: 'fixed' })])(`${BASE}/a`, {
      correlationId: 'mine',
      headers: { 'x-correlation-id': 'from-header' },
    });
    expect(seen).toEqual(['mine']);
  });

  it("respects the caller's own header and adopts it as context.correlationId", async () => {
    let id: string | undefined;
    const spy: Middleware = { name: 'spy', handle(request, ctx, next) {
      id = ctx.correlationId;
      return next(request);
    } };
    await compose([correlationId({ id: 'fixed' }), spy])(`${BASE}/a`, { headers: { 'X-Correlation-Id': 'callers' } });
    expect(seen).toEqual(['callers']);
    expect(id).toBe('callers');
  });

  it('puts the id on observer events', async () => {
    const events: SluiceEvent[] = [];
    await compose([correlationId({ id: 'evt-id' }), observe({ onEvent: (e) => events.push(e) })])(`${BASE}/a`);
    expect(events.map((e) => [e.type, e.correlationId])).toEqual([
      ['request', 'evt-id'],
      ['attempt', 'evt-id'],
      ['response', 'evt-id'],
    ]);
  });

  it('rejects bad options at creation with a clear TypeError', () => {
    expect(() => correlationId({ userId: 'u' })).toThrow(
      new TypeError('correlationId(): "userId" and "applicationId" go together (the prefix is userId/applicationId/uuid); got only "userId".'),
    );
    expect(() => correlationId({ applicationId: 'a' })).toThrow(/got only "applicationId"/);
    expect(() => correlationId({ header: 'bad header' })).toThrow(/"header" "bad header" is not a valid HTTP header name/);
    expect(() => correlationId({ header: '' })).toThrow(/"header" must be a non-empty header name/);
    expect(() => correlationId({ id: 'a\r\nb' })).toThrow(/correlationId: id must be a non-empty string without line breaks/);
    expect(() => correlationId({ id: '' })).toThrow(/id must be a non-empty string/);
    expect(() => correlationId({ generate: 'x' as unknown as () => string })).toThrow(/"generate" must be a function/);
  });

  it('rejects a bad generated id or request option at request time', async () => {
    await expect(compose([correlationId({ generate: () => '' })])(`${BASE}/a`)).rejects.toThrow(/generate\(\) must be a non-empty string/);
    await expect(compose([correlationId()])(`${BASE}/a`, { correlationId: 'a\nb' })).rejects.toThrow(
      /the "correlationId" request option must be a non-empty string/,
    );
    expect(seen).toEqual([]);
  });

  it('a bad per-request option rejects as the plain TypeError under errors(), never a SluiceError', async () => {
    const pipeline = compose([errors(), correlationId(), retry()]);
    const badId = await pipeline(`${BASE}/a`, { correlationId: '' }).catch((error: unknown) => error);
    expect(badId).toBeInstanceOf(TypeError);
    expect(badId).not.toBeInstanceOf(SluiceError);
    expect((badId as Error).message).toMatch(/the "correlationId" request option must be a non-empty string/);
    const badMethods = await pipeline(`${BASE}/a`, { retry: { methods: ['GET POST'] } }).catch((error: unknown) => error);
    expect(badMethods).toBeInstanceOf(TypeError);
    expect(badMethods).not.toBeInstanceOf(SluiceError);
    expect((badMethods as Error).message).toMatch(/retry \(per-request option\): "methods" must be an array of method names/);
    expect(seen).toEqual([]);
  });

  it('newCorrelationId makes UUIDs, prefixed only with both parts', () => {
    expect(newCorrelationId()).toMatch(UUID);
    expect(newCorrelationId({ userId: 'u', applicationId: 'a' })).toMatch(/^u\/a\/[0-9a-f-]{36}$/);
    expect(newCorrelationId({ userId: 'u' })).toMatch(UUID);
  });
});

describe('withOperation', () => {
  it('makes every request of the operation share one generated id (with prefix)', async () => {
    const pipeline = compose([correlationId({ userId: 'user123', applicationId: 'app101' })]);
    const operation = withOperation(pipeline);
    expect(operation.correlationId).toBeUndefined();
    await Promise.all([operation(`${BASE}/p1`), operation(`${BASE}/p2`)]);
    await operation(`${BASE}/p3`);
    await pipeline(`${BASE}/other`);
    expect(seen.slice(0, 3)).toEqual([operation.correlationId, operation.correlationId, operation.correlationId]);
    expect(operation.correlationId).toMatch(/^user123\/app101\//);
    expect(seen[3]).not.toBe(operation.correlationId);
  });

  it('uses the given id, over the fixed one; a per-request option still wins', async () => {
    const operation = withOperation(compose([correlationId({ id: 'fixed' })]), 'op-1');
    await operation(`${BASE}/a`);
    await operation(`${BASE}/b`, { correlationId: 'single' });
    expect(seen).toEqual(['op-1', 'single']);
    expect(operation.correlationId).toBe('op-1');
  });

  it('scopes with the fixed id when none is given', async () => {
    const operation = withOperation(compose([correlationId({ id: 'fixed' })]));
    await operation(`${BASE}/a`);
    expect(operation.correlationId).toBe('fixed');
  });

  it('rejects bad arguments', () => {
    expect(() => withOperation('nope' as unknown as typeof fetch)).toThrow(/withOperation\(\): "fetch" must be a function/);
    expect(() => withOperation(compose([]), '')).toThrow(/id must be a non-empty string/);
  });
});
