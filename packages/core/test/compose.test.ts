import { compose, type Context, type Middleware, type SluiceEvent } from '@sluice/core';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useServer } from '@sluice/testing/node';

declare module '@sluice/core' {
  interface RequestOptions {
    composeTestFlag?: { level: number };
  }
}

const BASE = 'https://compose.test';

/** Records its name on the way in and out. */
function recorder(name: string, log: string[]): Middleware {
  return {
    name,
    async handle(request, _context, next) {
      log.push(`${name}>`);
      try {
        return await next(request);
      } finally {
        log.push(`<${name}`);
      }
    },
  };
}

// Composed before msw is installed: the terminal must still see msw's fetch.
const earlyPipeline = compose([]);

useServer(
  { beforeAll, afterEach, afterAll },
  http.get(`${BASE}/ok`, ({ request }) =>
    HttpResponse.json({ seen: request.headers.get('x-seen'), url: request.url }, { status: 200 }),
  ),
  http.get(`${BASE}/fail`, () => HttpResponse.error()),
);
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('compose', () => {
  it('runs middlewares outermost first and unwinds in reverse', async () => {
    const log: string[] = [];
    const pipeline = compose([recorder('a', log), recorder('b', log), recorder('c', log)]);
    const response = await pipeline(`${BASE}/ok`);
    expect(response.status).toBe(200);
    expect(log).toEqual(['a>', 'b>', 'c>', '<c', '<b', '<a']);
  });

  it('looks globalThis.fetch up on every call (msw installed after compose still intercepts)', async () => {
    const response = await earlyPipeline(`${BASE}/ok`);
    expect(await response.json()).toEqual({ seen: null, url: `${BASE}/ok` });

    const swapped = vi.fn(async (request: Request) => new Response(`swapped ${request.method}`, { status: 201 }));
    vi.stubGlobal('fetch', swapped);
    const again = await earlyPipeline(`${BASE}/ok`);
    expect(again.status).toBe(201);
    expect(await again.text()).toBe('swapped GET');
    expect(swapped).toHaveBeenCalledTimes(1);
  });

  it('uses the injected fetch instead of the global one', async () => {
    const injected = vi.fn(async () => new Response('injected'));
    const pipeline = compose([], { fetch: injected });
    expect(await (await pipeline(`${BASE}/nowhere`)).text()).toBe('injected');
    expect(injected).toHaveBeenCalledTimes(1);
  });

  it('skips the named middlewares for one request only', async () => {
    const log: string[] = [];
    const pipeline = compose([recorder('a', log), recorder('b', log), recorder('c', log)]);
    await pipeline(`${BASE}/ok`, { skip: ['b', 'c'] });
    expect(log).toEqual(['a>', '<a']);
    log.length = 0;
    await pipeline(`${BASE}/ok`);
    expect(log).toEqual(['a>', 'b>', 'c>', '<c', '<b', '<a']);
  });

  it('rejects an unknown skip name with a TypeError that lists the stack', async () => {
    const pipeline = compose([recorder('a', []), recorder('b', [])]);
    await expect(pipeline(`${BASE}/ok`, { skip: ['retry'] })).rejects.toThrow(
      new TypeError('Cannot skip middleware "retry": the stack has no middleware of that name (it has: a, b).'),
    );
    await expect(pipeline(`${BASE}/ok`, { skip: 'a' as unknown as string[] })).rejects.toThrow(
      /"skip" request option must be an array of middleware names, got string/,
    );
  });

  it('passes typed per-request options to the middlewares and keeps them out of the request', async () => {
    let seen: Context['options'] | undefined;
    const reader: Middleware = {
      name: 'reader',
      handle(request, context, next) {
        seen = context.options;
        request.headers.set('x-seen', String(context.options.composeTestFlag?.level));
        return next(request);
      },
    };
    const pipeline = compose([reader]);
    const response = await pipeline(`${BASE}/ok`, { composeTestFlag: { level: 3 }, headers: { accept: 'application/json' } });
    expect(seen?.composeTestFlag).toEqual({ level: 3 });
    expect(await response.json()).toEqual({ seen: '3', url: `${BASE}/ok` });
  });

  it('builds the context from the request: method, url, attempt 1, caller signal', async () => {
    let context: Context | undefined;
    const controller = new AbortController();
    const pipeline = compose([{ name: 'spy', handle(request, ctx, next) {
      context = ctx;
      return next(request);
    } }]);
    await pipeline(new Request(`${BASE}/ok`, { headers: { 'x-a': '1' } }), { signal: controller.signal });
    expect(context?.method).toBe('GET');
    expect(context?.url).toBe(`${BASE}/ok`);
    expect(context?.attempt).toBe(1);
    expect(context?.replayable).toBe(true);
    expect(context?.signal.aborted).toBe(false);
    controller.abort();
    expect(context?.callerSignal?.aborted).toBe(true);
  });

  it('rejects with the caller abort reason', async () => {
    const pipeline = compose([]);
    const controller = new AbortController();
    controller.abort();
    const error = await pipeline(`${BASE}/ok`, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
  });

  it('emits one attempt event per network call, with status or error', async () => {
    const events: SluiceEvent[] = [];
    const subscribe: Middleware = {
      name: 'subscribe',
      async handle(request, context, next) {
        const off = context.subscribe((event) => events.push(event));
        try {
          return await next(request);
        } finally {
          off();
        }
      },
    };
    const pipeline = compose([subscribe]);
    await pipeline(`${BASE}/ok?token=secret`);
    await expect(pipeline(`${BASE}/fail`)).rejects.toThrow(TypeError);
    expect(events.map((e) => e.type)).toEqual(['attempt', 'attempt']);
    expect(events[0]).toMatchObject({ type: 'attempt', status: 200, method: 'GET', attempt: 1, url: `${BASE}/ok?token=%5BREDACTED%5D` });
    expect(events[1]).toMatchObject({ type: 'attempt', error: expect.any(TypeError) });
  });

  it('isolates a throwing event listener', async () => {
    const throwing: Middleware = {
      name: 'throwing',
      handle(request, context, next) {
        context.subscribe(() => {
          throw new Error('listener bug');
        });
        return next(request);
      },
    };
    const response = await compose([throwing])(`${BASE}/ok`);
    expect(response.status).toBe(200);
  });

  it('turns a synchronous throw in a middleware into a rejection its caller can catch', async () => {
    const outer: Middleware = {
      name: 'outer',
      handle: (request, _context, next) => next(request).catch((error: Error) => new Response(`caught ${error.message}`)),
    };
    const broken: Middleware = {
      name: 'broken',
      handle() {
        throw new Error('sync boom');
      },
    };
    expect(await (await compose([outer, broken])(`${BASE}/ok`)).text()).toBe('caught sync boom');
  });

  it('lets a middleware call next several times', async () => {
    const twice: Middleware = {
      name: 'twice',
      async handle(request, _context, next) {
        await next(request.clone());
        return next(request.clone());
      },
    };
    const injected = vi.fn(async () => new Response('ok'));
    await compose([twice], { fetch: injected })(`${BASE}/ok`);
    expect(injected).toHaveBeenCalledTimes(2);
  });

  it('refuses duplicate names and non-middlewares at build time, naming both sides', () => {
    expect(() => compose([recorder('a', []), recorder('b', []), recorder('a', [])])).toThrow(
      /Duplicate middleware name "a": position 2 clashes with position 0/,
    );
    expect(() => compose([{ name: '', handle: async () => new Response() }])).toThrow(
      /Middleware at position 0 is not a middleware/,
    );
  });
});

describe('compose: request construction errors', () => {
  it('never quotes the password of a URL with credentials', async () => {
    const pipeline = compose([]);
    const error = await pipeline('https://user:hunter22@api.test/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(String(error)).not.toContain('hunter22');
    expect((error as Error).stack ?? '').not.toContain('hunter22');
  });
});

describe('compose: the caller\'s Request object', () => {
  it('is never modified, so sending it twice gives two correlation ids and two Idempotency-Keys', async () => {
    const { correlationId, retry } = await import('@sluice/core');
    const seen: Array<[string | null, string | null]> = [];
    const pipeline = compose([correlationId(), retry({ idempotencyKey: true })], {
      fetch: async (request) => {
        seen.push([request.headers.get('x-correlation-id'), request.headers.get('idempotency-key')]);
        return new Response('ok');
      },
    });
    const request = new Request('https://api.test/orders', { method: 'POST' });
    await pipeline(request);
    await pipeline(request);
    expect(request.headers.get('x-correlation-id')).toBeNull();
    expect(request.headers.get('idempotency-key')).toBeNull();
    expect(seen).toHaveLength(2);
    expect(seen[0]?.[0]).not.toBe(seen[1]?.[0]);
    expect(seen[0]?.[1]).not.toBe(seen[1]?.[1]);
    expect(seen[0]?.[1]).toBeTruthy();
  });
});
