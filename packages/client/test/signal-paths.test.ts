import type { Middleware } from '@sluice/core';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/index.js';
import { BASE, type Echo, echoHandler, hangUntilAborted, noSleep, } from './helpers.js';
import { useServer } from '@sluice/testing/node';

const server = useServer({ beforeAll, afterEach, afterAll }, echoHandler);


/** Records whether the pipeline saw a caller signal. */
function callerSignalSpy(): Middleware & { seen: Array<AbortSignal | undefined> } {
  const spy: Middleware & { seen: Array<AbortSignal | undefined> } = {
    name: 'callerSignalSpy',
    seen: [],
    handle(request, context, next) {
      spy.seen.push(context.callerSignal);
      return next(request);
    },
  };
  return spy;
}

describe('client signals', () => {
  it('a call with no signal reaches the pipeline with no caller signal', async () => {
    const spy = callerSignalSpy();
    const client = createClient({ baseUrl: BASE, middleware: [spy] });
    const echo = await client.post('items', { json: { a: 1 } }).json<Echo>();
    expect(echo.text).toBe('{"a":1}');
    expect(spy.seen).toEqual([undefined]);
  });

  it('a json body is still replayed on retry when ky’s own signal is dropped', async () => {
    let calls = 0;
    server.use(
      http.put(`${BASE}/flaky`, async ({ request }) => {
        calls++;
        const text = await request.text();
        return calls === 1 ? new HttpResponse('busy', { status: 503 }) : HttpResponse.json({ text });
      }),
    );
    const client = createClient({ baseUrl: BASE, retry: { sleep: noSleep } });
    expect(await client.put('flaky', { json: { n: 2 } }).json()).toEqual({ text: '{"n":2}' });
    expect(calls).toBe(2);
  });

  it('a per-call signal is kept and still aborts the request', async () => {
    const arrived = hangUntilAborted(server);
    const spy = callerSignalSpy();
    const client = createClient({ baseUrl: BASE, middleware: [spy] });
    const controller = new AbortController();
    const pending = client.get('slow', { signal: controller.signal }).catch((e: unknown) => e);
    await arrived;
    controller.abort();
    const error = await pending;
    expect((error as DOMException).name).toBe('AbortError');
    expect(spy.seen[0]).toBeInstanceOf(AbortSignal);
  });

  it('a client-wide ky signal is kept and still aborts the request', async () => {
    const arrived = hangUntilAborted(server);
    const controller = new AbortController();
    const client = createClient({ baseUrl: BASE, ky: { signal: controller.signal } });
    const pending = client.get('slow').catch((e: unknown) => e);
    await arrived;
    controller.abort(new Error('shutting down'));
    expect(await pending).toMatchObject({ message: 'shutting down' });
  });
});
