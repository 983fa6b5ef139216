import { canReplay, cloneForReplay, compose, errors, type Middleware, NotReplayableError, SluiceError } from '@sluice/core';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '@sluice/testing/node';

const BASE = 'https://replay.test';
const received: string[] = [];

useServer(
  { beforeAll, afterEach, afterAll },
  http.all(`${BASE}/echo`, async ({ request }) => {
    received.push(await request.text());
    return HttpResponse.text('ok');
  }),
);
afterEach(() => {
  received.length = 0;
});

/** Calls next `times` times, each with a fresh replay clone; records what canReplay said. */
function replayer(times: number, seen: { replayable?: boolean } = {}): Middleware {
  return {
    name: 'replayer',
    async handle(request, context, next) {
      seen.replayable = canReplay(request, context);
      let response: Response | undefined;
      for (let i = 0; i < times; i++) {
        response = await next(await cloneForReplay(request, context, 'replay'));
        await response.text();
      }
      return response as Response;
    },
  };
}

function streamOf(text: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });
}

describe('cloneForReplay', () => {
  it('replays a buffered body identically on every call', async () => {
    const seen: { replayable?: boolean } = {};
    await compose([replayer(3, seen)])(`${BASE}/echo`, { method: 'POST', body: JSON.stringify({ a: 1 }) });
    expect(seen.replayable).toBe(true);
    expect(received).toEqual(['{"a":1}', '{"a":1}', '{"a":1}']);
  });

  it('replays requests without a body', async () => {
    await compose([replayer(2)])(`${BASE}/echo`);
    expect(received).toEqual(['', '']);
  });

  it('refuses a stream body without bodyFactory, with a redacted, explicit message', async () => {
    const seen: { replayable?: boolean } = {};
    const error = await compose([replayer(2, seen)])(`${BASE}/echo?token=s3cret`, {
      method: 'PUT',
      body: streamOf('streamed'),
    }).catch((e: unknown) => e);
    expect(seen.replayable).toBe(false);
    expect(error).toBeInstanceOf(NotReplayableError);
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as Error).message).toBe(
      `Cannot replay PUT ${BASE}/echo?token=%5BREDACTED%5D: its body is a one-shot stream. Pass a "bodyFactory" option to make it replayable.`,
    );
    expect(received).toEqual([]);
  });

  it('a non-replayable stream body can still be sent once', async () => {
    const once: Middleware = {
      name: 'once',
      handle: (request, context, next) => (canReplay(request, context) ? Promise.reject(new Error('unexpected')) : next(request)),
    };
    await compose([once])(`${BASE}/echo`, { method: 'PUT', body: streamOf('only once') });
    expect(received).toEqual(['only once']);
  });

  it('replays a stream body through bodyFactory, a fresh body each time', async () => {
    let made = 0;
    const seen: { replayable?: boolean } = {};
    await compose([replayer(3, seen)])(`${BASE}/echo`, {
      method: 'PUT',
      body: streamOf('original'),
      bodyFactory: () => streamOf(`copy ${++made}`),
    });
    expect(seen.replayable).toBe(true);
    expect(received).toEqual(['copy 1', 'copy 2', 'copy 3']);
  });

  it('a bodyFactory that is not a function is a plain TypeError naming it, and nothing is sent', async () => {
    const error = await compose([errors(), replayer(2, {})])(`${BASE}/echo`, {
      method: 'PUT',
      body: streamOf('original'),
      bodyFactory: 5 as never,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(SluiceError);
    expect((error as Error).message).toBe('The "bodyFactory" request option must be a function that returns a fresh body, got number.');
    expect(received).toEqual([]);
  });

  it('refuses to clone a request whose body was already sent', async () => {
    const wrong: Middleware = {
      name: 'wrong',
      async handle(request, context, next) {
        await next(request);
        return next(await cloneForReplay(request, context, 'retry'));
      },
    };
    await expect(compose([wrong])(`${BASE}/echo`, { method: 'POST', body: 'x' })).rejects.toThrow(
      new NotReplayableError(`Cannot retry POST ${BASE}/echo: its body was already consumed; replay from the original request.`),
    );
  });
});
