import { compose, concurrency, errors, type Middleware, retry, SluiceError } from '@sluice/core';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { failure } from './helpers.js';
import { useServer } from '@sluice/testing/node';

// Every path of errors() and retry() that does not hand the response back must cancel its
// body, or a concurrency slot held until the body ends (release: 'body') is never freed.

const API = 'https://slots.test';

useServer(
  { beforeAll, afterEach, afterAll },
  http.get(`${API}/invalid`, () => HttpResponse.json({ detail: 'unprocessable' }, { status: 422 })),
  http.get(`${API}/busy`, () => HttpResponse.json({ detail: 'try later' }, { status: 503 })),
  http.get(`${API}/ok`, () => HttpResponse.text('fine')),
);

class MyError extends SluiceError {}

/** A pipeline with a one-slot limiter released at the end of the body, and that limiter. */
function withLimiter(outer: Middleware[]) {
  const limiter = concurrency({ limit: 1, release: 'body' });
  return { pipeline: compose([...outer, limiter]), limiter };
}


/** The slot is free again and the next request gets it. */
async function expectSlotFreed(
  limiter: ReturnType<typeof concurrency>,
  pipeline: ReturnType<typeof compose>,
): Promise<void> {
  await vi.waitFor(() => expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 }), { timeout: 2_000, interval: 5 });
  const next = await pipeline(`${API}/ok`, { retry: false });
  expect(await next.text()).toBe('fine');
  expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
}

describe('errors(): a custom map never keeps the response body', () => {
  it('map returning its own SluiceError frees the slot', async () => {
    const { pipeline, limiter } = withLimiter([errors({ map: () => new MyError('mine') })]);
    const error = await failure(pipeline(`${API}/invalid`));
    expect(error).toBeInstanceOf(MyError);
    expect((error as Error).message).toBe('mine');
    await expectSlotFreed(limiter, pipeline);
  });

  it('map that reads its copy and returns an error frees the slot', async () => {
    const { pipeline, limiter } = withLimiter([
      errors({ map: async (response) => new MyError(`got ${((await response.json()) as { detail: string }).detail}`) }),
    ]);
    const error = await failure(pipeline(`${API}/invalid`));
    expect((error as Error).message).toBe('got unprocessable');
    await expectSlotFreed(limiter, pipeline);
  });

  it('a throwing map frees the slot and surfaces as a SluiceError naming the failure', async () => {
    const { pipeline, limiter } = withLimiter([
      errors({
        map: () => {
          throw new RangeError('map broke');
        },
      }),
    ]);
    const error = await failure(pipeline(`${API}/invalid`));
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as Error).message).toContain('RangeError: map broke');
    await expectSlotFreed(limiter, pipeline);
  });

  it('map returning something other than a SluiceError frees the slot and says so', async () => {
    const { pipeline, limiter } = withLimiter([errors({ map: () => new Error('plain') as unknown as SluiceError })]);
    const error = await failure(pipeline(`${API}/invalid`));
    expect((error as Error).message).toContain('"map" returned something that is not a SluiceError (Error: plain)');
    await expectSlotFreed(limiter, pipeline);
  });
});

describe('retry(): a throwing hook never keeps the response body', () => {
  it('a throwing retryOn frees the slot', async () => {
    const { pipeline, limiter } = withLimiter([
      errors(),
      retry({
        retryOn: () => {
          throw new Error('retryOn broke');
        },
        gate: false,
        retryBudget: false,
      }),
    ]);
    const error = await failure(pipeline(`${API}/invalid`));
    expect((error as Error).message).toContain('Error: retryOn broke');
    await expectSlotFreed(limiter, pipeline);
  });

  it('a backoff returning a negative delay frees the slot and names the bad value', async () => {
    const { pipeline, limiter } = withLimiter([
      errors(),
      retry({ retryOn: () => true, backoff: () => -1, gate: false, retryBudget: false }),
    ]);
    const error = await failure(pipeline(`${API}/invalid`));
    expect((error as Error).message).toContain('"backoff" must return a finite number of ms ≥ 0, got -1 for retry 1');
    await expectSlotFreed(limiter, pipeline);
  });

  it('a throwing backoff frees the slot', async () => {
    const { pipeline, limiter } = withLimiter([
      errors(),
      retry({
        backoff: () => {
          throw new Error('backoff broke');
        },
        gate: false,
        retryBudget: false,
      }),
    ]);
    const error = await failure(pipeline(`${API}/busy`));
    expect((error as Error).message).toContain('Error: backoff broke');
    await expectSlotFreed(limiter, pipeline);
  });
});
