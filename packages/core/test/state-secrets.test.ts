import { inspect } from 'node:util';
import {
  compose,
  errors,
  type HttpError,
  type Middleware,
  NetworkError,
  observe,
  RateLimitError,
  REDACTED,
  retry,
  type SluiceEvent,
  UnauthorizedError,
} from '@sluice/core';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { failure, views } from './helpers.js';
import { useServer } from '@sluice/testing/node';

// Values a middleware attaches to `context.state.secrets` (auth adds the credentials it
// sets) never appear in an error or in an event; nor do secret query values and
// userinfo passwords that an inner error quotes.

const API = 'https://secrets.test';
const TOKEN = 'tok-8f3a91c2d4e5';
const KEY = 'qk-71b2c3d4e5f6';

const server = useServer({ beforeAll, afterEach, afterAll });

/** Stands in for auth: sets a credential the errors middleware cannot know by name, and registers its value. */
function attach(value: string): Middleware {
  return {
    name: 'attach',
    handle(request, context, next) {
      context.state.secrets ??= new Set();
      context.state.secrets.add(value);
      request.headers.set('x-session-credential', value);
      return next(request);
    },
  };
}



function recorder(): { events: SluiceEvent[]; middleware: Middleware } {
  const events: SluiceEvent[] = [];
  return { events, middleware: observe({ onEvent: (event) => events.push(event) }) };
}

describe('errors(): context.state.secrets', () => {
  it('hides an attached credential echoed in a 4xx body, JSON and text, and in response headers', async () => {
    server.use(
      http.get(`${API}/me`, ({ request }) =>
        HttpResponse.json(
          { error: 'invalid_token', detail: `invalid token ${request.headers.get('x-session-credential')}` },
          { status: 401, headers: { 'x-debug-echo': `credential=${TOKEN}` } },
        ),
      ),
      http.get(`${API}/text`, () => HttpResponse.text(`invalid token ${TOKEN}`, { status: 403 })),
    );
    const pipeline = compose([errors(), attach(TOKEN)]);
    const json = await failure(pipeline(`${API}/me`));
    expect(json).toBeInstanceOf(UnauthorizedError);
    expect((json as HttpError).body).toEqual({ error: 'invalid_token', detail: `invalid token ${REDACTED}` });
    expect((json as HttpError).headers['x-debug-echo']).toBe(`credential=${REDACTED}`);
    expect(views(json)).not.toContain(TOKEN);

    const text = (await failure(pipeline(`${API}/text`))) as HttpError;
    expect(text.body).toBe(`invalid token ${REDACTED}`);
    expect(views(text)).not.toContain(TOKEN);
  });

  it('hides it in a network error and its whole cause chain, leaving the original untouched', async () => {
    const original = new TypeError('fetch failed', {
      cause: Object.assign(new Error(`socket closed while sending x-session-credential: ${TOKEN}`), { code: 'ECONNRESET' }),
    });
    const pipeline = compose([errors(), attach(TOKEN)], { fetch: () => Promise.reject(original) });
    const error = (await failure(pipeline(`${API}/x`))) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(views(error)).not.toContain(TOKEN);
    expect(((error.cause as Error).cause as Error).message).toBe(`socket closed while sending x-session-credential: ${REDACTED}`);
    expect((original.cause as Error).message).toContain(TOKEN);
  });

  it('hides it in an HttpError built inside the chain (retry gives up on a long Retry-After)', async () => {
    server.use(
      http.get(`${API}/limited`, () =>
        HttpResponse.text(`slow down, ${TOKEN}`, { status: 429, headers: { 'retry-after': '3600' } }),
      ),
    );
    const pipeline = compose([errors(), retry({ gate: false, retryBudget: false }), attach(TOKEN)]);
    const error = (await failure(pipeline(`${API}/limited`))) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.body).toBe(`slow down, ${REDACTED}`);
    expect(views(error)).not.toContain(TOKEN);
  });

  it('ignores values too short to be secrets, and leaves errors alone when nothing was attached', async () => {
    server.use(http.get(`${API}/short`, () => HttpResponse.text('id abc and 404', { status: 404 })));
    const error = (await failure(compose([errors(), attach('abc')])(`${API}/short`))) as HttpError;
    expect(error.body).toBe('id abc and 404');
  });
});

describe('events carry cleaned errors', () => {
  it('attempt and error events hide a secret query value quoted by the cause, and the caller still gets the real error type', async () => {
    const leaky = (request: Request) =>
      Promise.reject(new TypeError('fetch failed', { cause: new Error(`ECONNREFUSED for ${request.url}`) }));
    const { events, middleware } = recorder();
    const pipeline = compose([middleware], { fetch: leaky });
    const error = await failure(pipeline(`${API}/x?api_key=${KEY}&page=2`));
    expect((error as Error).message).toBe('fetch failed'); // no errors middleware: the caller gets the raw error
    const withErrors = events.filter((event) => event.type === 'attempt' || event.type === 'error');
    expect(withErrors.map((event) => event.type)).toEqual(['attempt', 'error']);
    for (const event of withErrors) {
      const cleaned = (event as { error: Error }).error;
      expect(cleaned).toBeInstanceOf(TypeError);
      expect(cleaned.message).toBe('fetch failed');
      expect((cleaned.cause as Error).message).toBe(`ECONNREFUSED for ${API}/x?api_key=%5BREDACTED%5D&page=2`);
      expect(inspect(event, { depth: 10 })).not.toContain(KEY);
    }
  });

  it('events hide values in context.state.secrets, the retry reason included', async () => {
    let calls = 0;
    const leaky = () => {
      calls++;
      return Promise.reject(new TypeError(`fetch failed: header was ${TOKEN}`));
    };
    const { events, middleware } = recorder();
    const pipeline = compose([errors(), middleware, retry({ limit: 1, gate: false, retryBudget: false, sleep: async () => {} }), attach(TOKEN)], {
      fetch: leaky,
    });
    const error = await failure(pipeline(`${API}/x`));
    expect(error).toBeInstanceOf(NetworkError);
    expect(calls).toBe(2);
    expect(events.map((event) => event.type)).toEqual(['request', 'attempt', 'retry', 'attempt', 'error']);
    expect(inspect(events, { depth: 10 })).not.toContain(TOKEN);
    const retried = events.find((event) => event.type === 'retry');
    expect(retried && 'reason' in retried ? retried.reason : '').toBe(`network error: fetch failed: header was ${REDACTED}`);
  });

  it('uses the secret names the errors middleware installed', async () => {
    const { events, middleware } = recorder();
    const leaky = (request: Request) => Promise.reject(new TypeError(`fetch failed for ${request.url}`));
    await failure(compose([errors({ secrets: ['sig'] }), middleware], { fetch: leaky })(`${API}/x?sig=${KEY}&token=shown`));
    const last = events.at(-1) as { type: string; error: Error };
    expect(last.type).toBe('error');
    expect(last.error.message).toBe(`fetch failed for ${API}/x?sig=%5BREDACTED%5D&token=shown`);
  });

  it('passes the very same error object when it holds no secret (a caller abort stays the signal reason)', async () => {
    const { events, middleware } = recorder();
    const plain = new TypeError('fetch failed');
    await failure(compose([middleware], { fetch: () => Promise.reject(plain) })(`${API}/x`));
    expect(events.filter((event) => event.type === 'error').map((event) => (event as { error: unknown }).error)).toEqual([plain]);
    expect((events.at(-1) as { error: unknown }).error).toBe(plain);

    const controller = new AbortController();
    const aborted = recorder();
    const hanging = (_request: Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const pending = failure(
      compose([errors(), aborted.middleware], { fetch: (request) => hanging(request, { signal: request.signal }) })(`${API}/x`, {
        signal: controller.signal,
      }),
    );
    controller.abort();
    const reason = await pending;
    expect(reason).toBe(controller.signal.reason);
    expect((aborted.events.at(-1) as { error: unknown }).error).toBe(controller.signal.reason);
  });
});
