import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { cache } from '@sluice/cache';
import { CircuitOpenError, circuitBreaker, consecutiveBreaker, dedupe, rateLimit } from '@sluice/core';
import { otel } from '@sluice/otel';
import { createClient } from 'sluice';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: Server;
let base = '';
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    if (req.url === '/down') return res.writeHead(503).end();
    // Slow enough that the concurrent callers overlap.
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' }).end('{"v":1}'), 20);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the opt-in features together in the standard chain', () => {
  it('otel, cache, dedupe, circuitBreaker and rateLimit compose where docs/features.md puts them', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const client = createClient({
      baseUrl: base,
      concurrency: 4,
      retry: { backoff: () => 1 },
      middleware: [
        { middleware: otel({ tracerProvider: provider }), before: 'errors' },
        { middleware: cache(), before: 'timeout.total' },
        { middleware: dedupe(), before: 'timeout.total' },
        { middleware: rateLimit({ limit: 100, interval: 1_000 }), after: 'retry' },
        { middleware: circuitBreaker({ breaker: consecutiveBreaker({ threshold: 2 }) }), after: 'retry' },
      ],
    });
    // 10 concurrent callers: one request (dedupe), then 10 more from the cache.
    const first = await Promise.all(Array.from({ length: 10 }, () => client.get('cfg').json()));
    const again = await Promise.all(Array.from({ length: 10 }, () => client.get('cfg').json()));
    expect([...first, ...again].every((body) => (body as { v: number }).v === 1)).toBe(true);
    expect(seen.filter((url) => url === '/cfg')).toHaveLength(1);
    // The origin fails twice: the circuit opens, and retry stops at once.
    await expect(client.get('down').json()).rejects.toBeInstanceOf(CircuitOpenError);
    expect(seen.filter((url) => url === '/down')).toHaveLength(2);
    // One span per caller: 10 + 10 + 1.
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(21);
    expect(spans.filter((span) => span.events.some((e) => e.name === 'sluice.cache' && e.attributes?.['sluice.status'] === 'hit'))).toHaveLength(10);
    expect(spans.at(-1)?.attributes['error.type']).toBe('CircuitOpenError');
    await provider.shutdown();
  });
});
