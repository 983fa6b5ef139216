import { createServer, type IncomingHttpHeaders } from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, type ContextManager, context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { tokenAuth } from '@sluice/auth';
import { type Middleware, NotFoundError, NetworkError, type RateGateClock, rateLimit } from '@sluice/core';
import { otel } from '@sluice/otel';
import { type Listening, listen } from '@sluice/testing/node';
import { createClient } from 'sluice';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

let server: Listening;
let base = '';
let statuses: number[] = [];
let seen: IncomingHttpHeaders[] = [];
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(async () => {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const http = createServer((req, res) => {
    seen.push(req.headers);
    if (req.headers.authorization === 'Bearer t1') return res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
    res.writeHead(statuses.shift() ?? 200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  server = await listen(http);
  base = server.url;
});
afterAll(async () => {
  propagation.disable();
  await provider.shutdown();
  await server.close();
});
beforeEach(() => {
  exporter.reset();
  statuses = [];
  seen = [];
});

function client(extra: Parameters<typeof otel>[0] = {}) {
  return createClient({
    baseUrl: base,
    retry: { backoff: () => 1 },
    middleware: [{ middleware: otel({ tracerProvider: provider, ...extra }), before: 'errors' }],
  });
}

describe('otel', () => {
  it('makes one client span per logical request with the HTTP semantic conventions, and injects traceparent', async () => {
    await client().get('users/1').json();
    const [span, ...others] = exporter.getFinishedSpans();
    expect(others).toHaveLength(0);
    expect(span?.name).toBe('GET');
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.instrumentationScope.name).toBe('@sluice/otel');
    expect(span?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.full': `${base}/users/1`,
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(base).port),
      'http.response.status_code': 200,
    });
    expect(span?.attributes['http.request.resend_count']).toBeUndefined();
    expect(span?.attributes['sluice.correlation_id']).toBe(seen[0]?.['x-correlation-id']);
    const context = span?.spanContext();
    expect(seen[0]?.traceparent).toBe(`00-${context?.traceId}-${context?.spanId}-01`);
  });

  it("is a child of the caller's active span, and the active span inside the chain", async () => {
    const storage = new AsyncLocalStorage<Context>();
    const manager: ContextManager = {
      active: () => storage.getStore() ?? ROOT_CONTEXT,
      with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.call(thisArg, ...args)),
      bind: (_ctx, target) => target,
      enable() {
        return this;
      },
      disable() {
        return this;
      },
    };
    context.setGlobalContextManager(manager);
    try {
      let inside: string | undefined;
      const probe: Middleware = {
        name: 'probe',
        handle(request, _context, next) {
          inside = trace.getActiveSpan()?.spanContext().spanId;
          return next(request);
        },
      };
      const api = createClient({ baseUrl: base, middleware: [{ middleware: otel({ tracerProvider: provider }), before: 'errors' }, probe] });
      const tracer = provider.getTracer('app');
      await tracer.startActiveSpan('checkout', async (parent) => {
        await api.get('cart').json();
        parent.end();
      });
      const [client, parent] = exporter.getFinishedSpans();
      expect(parent?.name).toBe('checkout');
      expect(client?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
      expect(client?.spanContext().traceId).toBe(parent?.spanContext().traceId);
      expect(inside).toBe(client?.spanContext().spanId);
    } finally {
      context.disable();
    }
  });

  it('records each attempt and each retry with its wait; resend_count counts the retries', async () => {
    statuses = [503, 502, 200];
    await client().get('flaky').json();
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes['http.request.resend_count']).toBe(2);
    expect(span?.attributes['http.response.status_code']).toBe(200);
    const events = span?.events.map((e) => e.name);
    expect(events).toEqual(['sluice.attempt', 'sluice.retry', 'sluice.attempt', 'sluice.retry', 'sluice.attempt']);
    const retryEvent = span?.events[1];
    expect(retryEvent?.attributes).toMatchObject({ 'sluice.reason': 'status 503', 'sluice.delayMs': 1, 'sluice.attempt': 1 });
    expect(span?.events[0]?.attributes?.['sluice.status']).toBe(503);
    // Every attempt carried the same span as parent.
    expect(new Set(seen.map((h) => h.traceparent)).size).toBe(1);
  });

  it('redacts url.full and records any other event the chain emits (a circuit change, a custom event)', async () => {
    const emitter: Middleware = {
      name: 'emitter',
      handle(request, context, next) {
        context.emit({ type: 'circuit', key: 'k', from: 'closed', to: 'open' });
        return next(request);
      },
    };
    const api = createClient({
      baseUrl: base,
      middleware: [{ middleware: otel({ tracerProvider: provider }), before: 'errors' }, emitter],
    });
    await api.get('search', { searchParams: { api_key: 'sekret', q: 'x' } }).json();
    const [span] = exporter.getFinishedSpans();
    expect(String(span?.attributes['url.full'])).not.toContain('sekret');
    expect(String(span?.attributes['url.full'])).toContain('q=x');
    const circuit = span?.events.find((e) => e.name === 'sluice.circuit');
    expect(circuit?.attributes).toMatchObject({ 'sluice.key': 'k', 'sluice.to': 'open' });
  });

  it('records token refreshes and gate holds as span events', async () => {
    let issued = 0;
    let now = 0;
    let nextId = 0;
    const timers = new Map<number, { at: number; callback: () => void }>();
    const clock: RateGateClock = {
      now: () => now,
      setTimeout: (callback, ms) => {
        const id = ++nextId;
        timers.set(id, { at: now + ms, callback });
        return id;
      },
      clearTimeout: (id) => void timers.delete(id as number),
    };
    const fire = () => {
      for (const [id, timer] of timers) {
        if (timer.at > now) continue;
        timers.delete(id);
        timer.callback();
      }
    };
    const api = createClient({
      baseUrl: base,
      auth: tokenAuth({ getToken: () => ({ accessToken: `t${++issued}` }) }),
      middleware: [
        { middleware: otel({ tracerProvider: provider }), before: 'errors' },
        { middleware: rateLimit({ limit: 1, interval: 1_000, clock }), after: 'retry' },
      ],
    });
    // t1 is refused with a 401: the token is refreshed and the request replayed with t2.
    await api.get('first').json();
    const second = api.get('second').json();
    // Until it waits at the rate limit (its gate has set a timer).
    for (let i = 0; i < 1_000 && timers.size === 0; i++) await new Promise((resolve) => setTimeout(resolve, 2));
    await new Promise((resolve) => setTimeout(resolve, 5));
    now = 1_010;
    fire();
    await second;
    const [first, held] = exporter.getFinishedSpans();
    const refreshes = first?.events.filter((e) => e.name === 'sluice.tokenRefresh').map((e) => e.attributes?.['sluice.reason']);
    expect(refreshes).toEqual(['expired', 'rejected']);
    const hold = held?.events.find((e) => e.name === 'sluice.gateHold');
    expect(hold?.attributes?.['sluice.key']).toBe(base);
    expect(Number(hold?.attributes?.['sluice.waitedMs'])).toBeGreaterThan(0);
  });

  it('marks a failed request: error.type is the status, or the error class for a network failure', async () => {
    statuses = [404];
    await expect(client().get('missing').json()).rejects.toBeInstanceOf(NotFoundError);
    const dead = createClient({
      baseUrl: 'http://127.0.0.1:1',
      retry: false,
      middleware: [{ middleware: otel({ tracerProvider: provider }), before: 'errors' }],
    });
    await expect(dead.get('x').json()).rejects.toBeInstanceOf(NetworkError);
    const [notFound, network] = exporter.getFinishedSpans();
    expect(notFound?.attributes['error.type']).toBe('404');
    expect(notFound?.attributes['http.response.status_code']).toBe(404);
    expect(notFound?.status.code).toBe(SpanStatusCode.ERROR);
    expect(network?.attributes['error.type']).toBe('NetworkError');
    expect(network?.attributes['http.response.status_code']).toBeUndefined();
    expect(network?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('propagate: false injects nothing; a custom span name; an unknown method is _OTHER', async () => {
    await client({ propagate: false, spanName: (r) => `${r.method} /users/{id}` }).get('users/2').json();
    await client()('users/3', { method: 'PURGE' }).text();
    const [named, other] = exporter.getFinishedSpans();
    expect(seen[0]?.traceparent).toBeUndefined();
    expect(named?.name).toBe('GET /users/{id}');
    expect(other?.attributes['http.request.method']).toBe('_OTHER');
    expect(other?.attributes['http.request.method_original']).toBe('PURGE');
  });

  it('rejects bad options with a TypeError naming the option', () => {
    expect(() => otel({ spanName: 'x' as never })).toThrow(/"spanName"/);
    expect(() => otel({ tracerProvider: {} as never })).toThrow(/"tracerProvider"/);
  });
});
