import { linkHeader, pageNumber, paginate, skipTake } from '@sluice/core';
import { flakyApi, paginatedCollection, rateLimitedApi, recorder } from '@sluice/testing';
import { setupWorker } from 'msw/browser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const worker = setupWorker();
beforeAll(() => worker.start({ quiet: true, onUnhandledFrame: 'bypass' }));
afterEach(() => worker.resetHandlers());
afterAll(() => worker.stop());

describe('the testing kit in a browser (setupWorker)', () => {
  it('paginates a collection and records the traffic', async () => {
    const traffic = recorder();
    const items = Array.from({ length: 12 }, (_, i) => i);
    worker.use(...traffic.handlers, ...paginatedCollection(items, 'skipTake', { url: '*/kit/projects' }).handlers);
    const all = await paginate(fetch, '/kit/projects', skipTake<number>({ take: 5 })).all();
    expect(all).toEqual(items);
    expect(traffic.requests).toHaveLength(3);
  });

  it('rate-limits and injects faults deterministically', async () => {
    const limited = rateLimitedApi({ rate: 0.001, burst: 1, headers: 'retry-after', url: '*/kit/limited' });
    const flaky = flakyApi({ seed: 3, failures: [{ kind: '503', rate: 1 }], url: '*/kit/flaky' });
    worker.use(...limited.handlers, ...flaky.handlers);
    expect((await fetch('/kit/limited')).status).toBe(200);
    expect((await fetch('/kit/limited')).status).toBe(429);
    expect((await fetch('/kit/flaky')).status).toBe(503);
    expect(limited.stats).toEqual({ ok: 1, limited: 1 });
  });

  it('follows Link headers', async () => {
    worker.use(...paginatedCollection([1, 2, 3, 4, 5], 'linkHeader', { url: '*/kit/issues' }).handlers);
    expect(await paginate(fetch, '/kit/issues?per_page=2', linkHeader<number>()).all()).toEqual([1, 2, 3, 4, 5]);
    expect(await paginate(fetch, '/kit/issues', pageNumber<number>({ perPage: 2 })).all()).toEqual([1, 2, 3, 4, 5]);
  });
});
