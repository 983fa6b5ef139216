
import {
  BadRequestError,
  type Context,
  ConflictError,
  compose,
  errors,
  ForbiddenError,
  HttpError,
  isNetworkFailure,
  type Middleware,
  NetworkError,
  NotFoundError,
  RateLimitError,
  ServerError,
  SluiceError,
  TimeoutError,
  toHttpError,
  UnauthorizedError,
} from '@sluice/core';
import { HttpResponse, http, passthrough } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, contextFor, failure } from './helpers.js';
import { useServer } from '@sluice/testing/node';

const API = 'https://api.test';

const server = useServer({ beforeAll, afterEach, afterAll });

/** Stands in for correlationId and retry: sets the id and the attempt number. */
function stub(attempt = 1, correlationId = 'corr-1'): Middleware {
  return {
    name: 'stub',
    handle(request, context, next) {
      context.correlationId = correlationId;
      context.attempt = attempt;
      return next(request);
    },
  };
}

/** Throws `error` where the network would be. */
function throwing(error: unknown): Middleware {
  return { name: 'throwing', handle: () => Promise.reject(error) };
}

/** Answers every request with `make()` without touching the network. */
function answering(make: () => Response): Middleware {
  return { name: 'answering', handle: () => Promise.resolve(make()) };
}



describe('errors(): the class for each status', () => {
  it.each([
    [400, BadRequestError],
    [401, UnauthorizedError],
    [403, ForbiddenError],
    [404, NotFoundError],
    [409, ConflictError],
    [429, RateLimitError],
    [500, ServerError],
    [502, ServerError],
    [503, ServerError],
    [418, HttpError],
    [422, HttpError],
  ])('%i throws %o with the response details', async (status, Class) => {
    server.use(http.get(`${API}/things`, () => HttpResponse.json({ detail: 'nope' }, { status, headers: { 'x-trace': 't-1' } })));
    const pipeline = compose([errors(), stub(2)]);
    const error = await failure(pipeline(`${API}/things?page=2`));
    expect(error).toBeInstanceOf(Class);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toBeInstanceOf(SluiceError);
    const http_ = error as HttpError;
    expect(http_.constructor).toBe(Class);
    expect(http_.status).toBe(status);
    expect(http_.method).toBe('GET');
    expect(http_.url).toBe(`${API}/things?page=2`);
    expect(http_.headers['x-trace']).toBe('t-1');
    expect(http_.body).toEqual({ detail: 'nope' });
    expect(http_.correlationId).toBe('corr-1');
    expect(http_.attempts).toBe(2);
    expect(http_.name).toBe(Class.name);
    expect(http_.message).toMatch(new RegExp(`^GET https://api\\.test/things\\?page=2 failed with ${status}`));
  });

  it('puts the status text in the message', async () => {
    server.use(http.delete(`${API}/things/1`, () => new HttpResponse(null, { status: 404, statusText: 'Not Found' })));
    const error = (await failure(compose([errors()])(`${API}/things/1`, { method: 'DELETE' }))) as NotFoundError;
    expect(error.message).toBe(`DELETE ${API}/things/1 failed with 404 Not Found`);
    expect(error.statusText).toBe('Not Found');
    expect(error.body).toBeUndefined();
    expect(error.attempts).toBe(1);
    expect(error.correlationId).toBeUndefined();
  });

  it('gives a 429 its retryAfter in ms from Retry-After', async () => {
    server.use(http.get(`${API}/limited`, () => new HttpResponse('slow down', { status: 429, headers: { 'retry-after': '2' } })));
    const error = (await failure(compose([errors()])(`${API}/limited`))) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfter).toBe(2_000);
    expect(error.toJSON().retryAfter).toBe(2_000);
    expect(error.body).toBe('slow down');
  });

  it('falls back to the rate-limit headers for retryAfter, and leaves it undefined without one', async () => {
    server.use(
      http.get(`${API}/a`, () => new HttpResponse(null, { status: 429, headers: { 'x-ratelimit-reset-after': '3' } })),
      http.get(`${API}/b`, () => new HttpResponse(null, { status: 429, headers: { 'retry-after': 'whenever' } })),
    );
    const pipeline = compose([errors()]);
    expect(((await failure(pipeline(`${API}/a`))) as RateLimitError).retryAfter).toBe(3_000);
    expect(((await failure(pipeline(`${API}/b`))) as RateLimitError).retryAfter).toBeUndefined();
  });

  it('appends why retry stopped as a note', async () => {
    const stopper: Middleware = {
      name: 'stopper',
      async handle(request, context, next) {
        const response = await next(request);
        context.state.retryStopped = 'retry budget empty';
        return response;
      },
    };
    server.use(http.get(`${API}/down`, () => new HttpResponse(null, { status: 503 })));
    const error = (await failure(compose([errors(), stopper])(`${API}/down`))) as ServerError;
    expect(error.message).toBe(`GET ${API}/down failed with 503 Service Unavailable (retry budget empty)`);
  });

  it('lets 2xx, 304 and a manual-redirect 3xx pass through', async () => {
    server.use(
      http.get(`${API}/ok`, () => HttpResponse.json({ ok: true }, { status: 201 })),
      http.get(`${API}/cached`, () => new HttpResponse(null, { status: 304 })),
      http.get(`${API}/moved`, () => new HttpResponse(null, { status: 302, headers: { location: '/ok' } })),
    );
    const pipeline = compose([errors()]);
    expect(await (await pipeline(`${API}/ok`)).json()).toEqual({ ok: true });
    expect((await pipeline(`${API}/cached`)).status).toBe(304);
    expect((await pipeline(`${API}/moved`, { redirect: 'manual' })).status).toBe(302);
  });
});

describe('errors(): the body preview', () => {
  it('parses JSON for any json content-type (problem+json)', async () => {
    server.use(
      http.get(`${API}/p`, () =>
        HttpResponse.text(JSON.stringify({ title: 'Invalid' }), { status: 400, headers: { 'content-type': 'application/problem+json' } }),
      ),
    );
    const error = (await failure(compose([errors()])(`${API}/p`))) as BadRequestError;
    expect(error.body).toEqual({ title: 'Invalid' });
  });

  it('keeps text as text, and invalid JSON as text too', async () => {
    server.use(
      http.get(`${API}/text`, () => HttpResponse.text('plain failure', { status: 500 })),
      http.get(`${API}/bad-json`, () => HttpResponse.text('{oops', { status: 500, headers: { 'content-type': 'application/json' } })),
    );
    const pipeline = compose([errors()]);
    expect(((await failure(pipeline(`${API}/text`))) as ServerError).body).toBe('plain failure');
    expect(((await failure(pipeline(`${API}/bad-json`))) as ServerError).body).toBe('{oops');
  });

  it('caps a large body at 8 KiB and says it was truncated', async () => {
    const big = 'x'.repeat(100_000);
    server.use(http.get(`${API}/big`, () => HttpResponse.text(big, { status: 500 })));
    const error = (await failure(compose([errors()])(`${API}/big`))) as ServerError;
    expect(typeof error.body).toBe('string');
    expect(error.body).toBe(`${'x'.repeat(8192)}… [truncated at 8192 bytes]`);
  });

  it('does not cut a multi-byte character in half at the cap', async () => {
    const body = `${'a'.repeat(8191)}é${'b'.repeat(100)}`;
    const error = (await failure(compose([errors(), answering(() => new Response(body, { status: 500 }))])(`${API}/x`))) as ServerError;
    expect(error.body).toBe(`${'a'.repeat(8191)}… [truncated at 8192 bytes]`);
  });

  it('reads a body of exactly 8 KiB whole', async () => {
    const body = JSON.stringify({ pad: 'p'.repeat(8192 - 10) });
    expect(new TextEncoder().encode(body).length).toBe(8192);
    const make = () => new Response(body, { status: 500, headers: { 'content-type': 'application/json' } });
    const error = (await failure(compose([errors(), answering(make)])(`${API}/x`))) as ServerError;
    expect(error.body).toEqual({ pad: 'p'.repeat(8182) });
  });

  it('reads at most 8 KiB from an endless stream, then cancels it', async () => {
    let pulled = 0;
    let cancelled = false;
    const endless = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled += 1024;
            controller.enqueue(new Uint8Array(1024).fill(65));
          },
          cancel() {
            cancelled = true;
          },
        }),
        { status: 502 },
      );
    const error = (await failure(compose([errors(), answering(endless)])(`${API}/stream`))) as ServerError;
    expect(error).toBeInstanceOf(ServerError);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThanOrEqual(8192 + 3 * 1024); // the cap plus the stream's read-ahead
    expect(String(error.body)).toMatch(/^A{8192}… \[truncated/);
  });

  it('reports an unreadable body instead of failing the mapping', async () => {
    const broken = () =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.error(new Error('socket closed'));
          },
        }),
        { status: 500 },
      );
    const error = (await failure(compose([errors(), answering(broken)])(`${API}/x`))) as ServerError;
    expect(error).toBeInstanceOf(ServerError);
    expect(error.body).toBe('[body unreadable: socket closed]');
  });

  it('hides secret keys in a JSON body, at any depth', async () => {
    server.use(
      http.post(`${API}/oauth/token`, () =>
        HttpResponse.json(
          { error: 'invalid_grant', access_token: 'at-123456', nested: [{ Password: 'hunter22', client_secret: 'cs-98765' }] },
          { status: 400 },
        ),
      ),
    );
    const error = (await failure(compose([errors()])(`${API}/oauth/token`, { method: 'POST' }))) as BadRequestError;
    expect(error.body).toEqual({
      error: 'invalid_grant',
      access_token: '[REDACTED]',
      nested: [{ Password: '[REDACTED]', client_secret: '[REDACTED]' }],
    });
  });

  it('hides secret assignments in a text body', async () => {
    const text = 'bad request: token=tok-abcdef&page=2\nAuthorization: Bearer abc.def.ghi\n{"refresh_token": "rt-1234567"}';
    server.use(http.get(`${API}/t`, () => HttpResponse.text(text, { status: 400 })));
    const error = (await failure(compose([errors()])(`${API}/t`))) as BadRequestError;
    expect(error.body).toBe('bad request: token=[REDACTED]&page=2\nAuthorization: [REDACTED]\n{"refresh_token": "[REDACTED]"}');
  });

  it('hides the secrets the request sent when the server echoes them back', async () => {
    server.use(http.get(`${API}/echo`, ({ request }) => HttpResponse.text(`you sent ${request.headers.get('x-api-key')}`, { status: 403 })));
    const error = (await failure(compose([errors()])(`${API}/echo`, { headers: { 'x-api-key': 'key-0123456789' } }))) as ForbiddenError;
    expect(error.body).toBe('you sent [REDACTED]');
  });
});

describe('errors(): options', () => {
  it('throwHttpErrors: false returns the response as is', async () => {
    server.use(http.get(`${API}/missing`, () => HttpResponse.json({ gone: true }, { status: 404 })));
    const response = await compose([errors({ throwHttpErrors: false })])(`${API}/missing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ gone: true });
  });

  it('a request overrides throwHttpErrors either way', async () => {
    server.use(http.get(`${API}/missing`, () => new HttpResponse(null, { status: 404 })));
    expect((await compose([errors()])(`${API}/missing`, { throwHttpErrors: false })).status).toBe(404);
    const error = await failure(compose([errors({ throwHttpErrors: false })])(`${API}/missing`, { throwHttpErrors: true }));
    expect(error).toBeInstanceOf(NotFoundError);
  });

  it('a per-request throwHttpErrors that is neither form is a plain TypeError, before anything is sent', async () => {
    let hits = 0;
    server.use(
      http.get(`${API}/ok`, () => {
        hits++;
        return HttpResponse.json({ ok: true });
      }),
    );
    for (const rule of ['no', 0]) {
      const error = await failure(compose([errors()])(`${API}/ok`, { throwHttpErrors: rule as unknown as boolean }));
      expect(error).toBeInstanceOf(TypeError);
      expect(error).not.toBeInstanceOf(SluiceError);
      expect((error as Error).message).toBe(
        `The "throwHttpErrors" request option must be a boolean or a function of the status, got ${typeof rule}.`,
      );
    }
    expect(hits).toBe(0);
  });

  it('map builds a custom error rooted in SluiceError, with the correlation id filled in', async () => {
    class ApiException extends SluiceError {
      override name = 'ApiException';
      constructor(
        readonly code: string,
        readonly status: number,
      ) {
        super(`API error ${code} (${status})`);
      }
    }
    server.use(http.get(`${API}/x`, () => HttpResponse.json({ code: 'E42' }, { status: 422 })));
    const pipeline = compose([
      errors({
        async map(response) {
          const body = (await response.json()) as { code: string };
          return new ApiException(body.code, response.status);
        },
      }),
      stub(1, 'corr-map'),
    ]);
    const error = (await failure(pipeline(`${API}/x`))) as ApiException;
    expect(error).toBeInstanceOf(ApiException);
    expect(error).toBeInstanceOf(SluiceError);
    expect(error.code).toBe('E42');
    expect(error.correlationId).toBe('corr-map');
  });

  it('map returning undefined falls back, with the preview intact even when map read the body', async () => {
    const seen: number[] = [];
    server.use(http.get(`${API}/x`, () => HttpResponse.json({ reason: 'locked' }, { status: 409 })));
    const pipeline = compose([
      errors({
        async map(response) {
          seen.push(((await response.json()) as { reason: string }).reason.length);
          return undefined;
        },
      }),
    ]);
    const error = (await failure(pipeline(`${API}/x`))) as ConflictError;
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.body).toEqual({ reason: 'locked' });
    expect(seen).toEqual([6]);
  });

  it('map is not called for a success', async () => {
    server.use(http.get(`${API}/x`, () => HttpResponse.text('fine')));
    let calls = 0;
    const response = await compose([
      errors({
        map: () => {
          calls++;
          return undefined;
        },
      }),
    ])(`${API}/x`);
    expect(await response.text()).toBe('fine');
    expect(calls).toBe(0);
  });

  it('a map that throws, or returns a plain Error, still ends in one SluiceError', async () => {
    server.use(http.get(`${API}/x`, () => new HttpResponse(null, { status: 500 })));
    const thrower = compose([
      errors({
        map() {
          throw new RangeError('bug in map');
        },
      }),
    ]);
    const thrown = (await failure(thrower(`${API}/x`))) as SluiceError;
    expect(thrown.constructor).toBe(SluiceError);
    expect(thrown.message).toBe(`GET ${API}/x failed with an unexpected error (RangeError: bug in map)`);
    expect(thrown.cause).toBeInstanceOf(RangeError);

    const plain = compose([errors({ map: () => new Error('not sluice') as unknown as SluiceError })]);
    const wrapped = (await failure(plain(`${API}/x`))) as SluiceError;
    expect(wrapped.constructor).toBe(SluiceError);
    expect(wrapped.message).toMatch(/"map" returned something that is not a SluiceError \(Error: not sluice\)/);
  });

  it('rejects bad options at creation with a TypeError naming the option', () => {
    expect(() => errors({ throwHttpErrors: 'no' as unknown as boolean })).toThrow(
      new TypeError('errors(): "throwHttpErrors" must be a boolean or a function of the status, got string.'),
    );
    expect(() => errors({ map: 42 as unknown as () => undefined })).toThrow(new TypeError('errors(): "map" must be a function, got number.'));
    expect(() => errors({ secrets: ['x-key', ''] })).toThrow(/"secrets" must be an array of non-empty/);
    expect(() => errors({ secrets: 'token' as unknown as string[] })).toThrow(TypeError);
    expect(() => errors(null as unknown as undefined)).toThrow(/expected an options object/);
  });
});

describe('errors(): thrown errors', () => {
  it('turns a refused connection into a NetworkError with its cause', async () => {
    const port = await closedPort();
    server.use(http.get(`http://127.0.0.1:${port}/users`, () => passthrough()));
    const pipeline = compose([errors(), stub(3, 'corr-net')]);
    const error = (await failure(pipeline(`http://127.0.0.1:${port}/users?token=tok-secret-1`))) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toMatch(new RegExp(`^GET http://127\\.0\\.0\\.1:${port}/users\\?token=%5BREDACTED%5D failed: network error \\(TypeError: fetch failed`));
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(error.correlationId).toBe('corr-net');
    expect(error.attempts).toBe(3);
    expect(error.message).not.toContain('tok-secret-1');
  });

  it('rethrows the caller’s abort reason unchanged: the standard AbortError', async () => {
    let arrived!: () => void;
    const reached = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    server.use(
      http.get(`${API}/slow`, async () => {
        arrived();
        await new Promise(() => {});
        return new HttpResponse(null);
      }),
    );
    const controller = new AbortController();
    const pending = compose([errors()])(`${API}/slow`, { signal: controller.signal });
    await reached;
    controller.abort();
    const error = await failure(pending);
    expect(error).toBe(controller.signal.reason);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(error).not.toBeInstanceOf(TimeoutError);
  });

  it('rethrows a custom abort reason as is, even if an inner middleware mapped it', async () => {
    const controller = new AbortController();
    const reason = new Error('user left the page');
    const inner: Middleware = {
      name: 'inner',
      handle() {
        controller.abort(reason);
        return Promise.reject(new TimeoutError('attempt', 10));
      },
    };
    const error = await failure(compose([errors(), inner])(`${API}/x`, { signal: controller.signal }));
    expect(error).toBe(reason);
  });

  it('stops reading the error body at once when the caller aborts', async () => {
    const controller = new AbortController();
    const hanging = () =>
      new Response(
        new ReadableStream({
          start(stream) {
            stream.enqueue(new TextEncoder().encode('partial'));
            queueMicrotask(() => controller.abort());
          },
        }),
        { status: 500 },
      );
    const error = await failure(compose([errors(), answering(hanging)])(`${API}/x`, { signal: controller.signal }));
    expect(error).toBe(controller.signal.reason);
    expect((error as DOMException).name).toBe('AbortError');
  });

  it('passes a SluiceError through, the same object, filling in correlationId and attempts', async () => {
    const original = new TimeoutError('total', 5_000);
    const error = (await failure(compose([errors(), stub(4, 'corr-t'), throwing(original)])(`${API}/x`))) as TimeoutError;
    expect(error).toBe(original);
    expect(error.correlationId).toBe('corr-t');
    expect(error.message).toBe('The total timeout of 5000 ms elapsed');

    const network = new NetworkError('already mapped', { correlationId: 'kept' });
    const again = (await failure(compose([errors(), stub(2, 'other'), throwing(network)])(`${API}/x`))) as NetworkError;
    expect(again).toBe(network);
    expect(again.correlationId).toBe('kept');
    expect(again.attempts).toBe(2);
  });

  it('appends retryStopped to a passed-through SluiceError once', async () => {
    const inner: Middleware = {
      name: 'inner',
      handle(_request, context) {
        context.state.retryStopped = 'deadline reached';
        return Promise.reject(new NetworkError('GET x failed: network error'));
      },
    };
    const error = (await failure(compose([errors(), inner])(`${API}/x`))) as NetworkError;
    expect(error.message).toBe('GET x failed: network error (deadline reached)');
    expect(error.stack).toContain('(deadline reached)');
  });

  it('wraps a TypeError that is not a network failure as an unexpected SluiceError', async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    const error = (await failure(compose([errors(), throwing(bug)])(`${API}/x`))) as SluiceError;
    expect(error).not.toBeInstanceOf(NetworkError);
    expect(error.constructor).toBe(SluiceError);
    expect(error.message).toBe(`GET ${API}/x failed with an unexpected error (TypeError: Cannot read properties of undefined (reading 'x'))`);
    expect(error.cause).toBe(bug);
  });

  it('wraps a thrown non-error value', async () => {
    const error = (await failure(compose([errors(), throwing('boom')])(`${API}/x`))) as SluiceError;
    expect(error.constructor).toBe(SluiceError);
    expect(error.message).toBe(`GET ${API}/x failed with an unexpected error (boom)`);
    expect(error.cause).toBe('boom');
  });

  it('recognises network failures by message and by code down the cause chain', () => {
    expect(isNetworkFailure(new TypeError('Failed to fetch'))).toBe(true);
    expect(isNetworkFailure(new TypeError('NetworkError when attempting to fetch resource.'))).toBe(true);
    expect(isNetworkFailure(new TypeError('Load failed'))).toBe(true);
    expect(isNetworkFailure(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isNetworkFailure(new Error('outer', { cause: Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }) }))).toBe(true);
    expect(isNetworkFailure(new NetworkError('mapped'))).toBe(true);
    expect(isNetworkFailure(new TypeError('x is not a function'))).toBe(false);
    expect(isNetworkFailure(new DOMException('aborted', 'AbortError'))).toBe(false);
    expect(isNetworkFailure(new TimeoutError('attempt', 1))).toBe(false);
    expect(isNetworkFailure('fetch failed')).toBe(false);
  });

  it('maps each failure exactly once even with two errors middlewares', async () => {
    const outer = errors();
    const inner: Middleware = { name: 'errors.inner', handle: errors().handle };
    server.use(http.get(`${API}/x`, () => new HttpResponse(null, { status: 404 })));
    const error = (await failure(compose([outer, inner])(`${API}/x`))) as NotFoundError;
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe(`GET ${API}/x failed with 404 Not Found`);
  });
});

describe('toHttpError', () => {
  it('builds the subclass from a response and a context, for reuse by other middlewares', async () => {
    const seen: HttpError[] = [];
    const auth: Middleware = {
      name: 'authCheck',
      async handle(request, context: Context, next) {
        const response = await next(request);
        if (response.status === 401) {
          const error = await toHttpError(response, context, { note: 'token refresh failed' });
          seen.push(error);
          throw error;
        }
        return response;
      },
    };
    server.use(http.get(`${API}/me`, () => HttpResponse.json({ error: 'expired' }, { status: 401 })));
    const error = await failure(compose([errors(), stub(1, 'c'), auth])(`${API}/me?access_token=at-999999`));
    expect(error).toBe(seen[0]);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).message).toBe(
      `GET ${API}/me?access_token=%5BREDACTED%5D failed with 401 Unauthorized (token refresh failed)`,
    );
  });

  it('takes an explicit retryAfter for a 429', async () => {
    const context = contextFor(`${API}/x`);
    const error = await toHttpError(new Response(null, { status: 429, headers: { 'retry-after': '1' } }), context, { retryAfter: 90_000 });
    expect((error as RateLimitError).retryAfter).toBe(90_000);
  });
});
