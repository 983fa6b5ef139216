import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CircuitOpenError,
  circuitBreaker,
  compose,
  consecutiveBreaker,
  errors,
  NotFoundError,
  NetworkError,
  retry,
  type SluiceEvent,
  SluiceError,
  samplingBreaker,
  ServerError,
  timeout,
  TimeoutError,
} from '@sluice/core';
import { closedPort, failure } from './helpers.js';

/** The server answers with `status` (or hangs, or drops the connection) and counts requests. */
let server: Server;
let base = '';
let status: number | 'hang' | 'reset' = 200;
let hits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    if (status === 'hang') return;
    if (status === 'reset') return req.socket.destroy();
    res.writeHead(status).end(String(status));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  status = 200;
  hits = 0;
});

function setup(options: Parameters<typeof circuitBreaker>[0] = {}) {
  let now = 1_000_000;
  const events: SluiceEvent[] = [];
  const breaker = circuitBreaker({ clock: () => now, ...options });
  const pipeline = compose([
    errors(),
    {
      name: 'listen',
      handle: (request, context, next) => {
        context.subscribe((event) => events.push(event));
        return next(request);
      },
    },
    breaker,
  ]);
  return { pipeline, events, advance: (ms: number) => (now += ms) };
}

describe('circuitBreaker: consecutive', () => {
  it('opens after N consecutive 5xx, fails at once with the time until half-open, then probes and closes', async () => {
    const { pipeline, events, advance } = setup({ breaker: consecutiveBreaker({ threshold: 3 }), halfOpenAfter: 5_000 });
    status = 503;
    for (let i = 0; i < 3; i++) expect(await failure(pipeline(`${base}/x`))).toBeInstanceOf(ServerError);
    expect(hits).toBe(3);
    advance(1_000);
    const open = await failure(pipeline(`${base}/x`));
    expect(open).toBeInstanceOf(CircuitOpenError);
    expect(open).toBeInstanceOf(SluiceError);
    expect((open as CircuitOpenError).retryAfter).toBe(4_000);
    expect((open as CircuitOpenError).key).toBe(base);
    expect((open as Error).message).toMatch(/3 consecutive failures; it half-opens in 4000 ms/);
    expect(hits).toBe(3);

    advance(4_000);
    status = 200;
    expect((await pipeline(`${base}/x`)).status).toBe(200);
    expect(hits).toBe(4);
    const changes = events.filter((e) => e.type === 'circuit').map((e) => (e.type === 'circuit' ? `${e.from}>${e.to}` : ''));
    expect(changes).toEqual(['closed>open', 'open>halfOpen', 'halfOpen>closed']);
  });

  it('a failed probe opens the circuit again; only one probe at a time', async () => {
    const { pipeline, advance } = setup({ breaker: consecutiveBreaker({ threshold: 1 }), halfOpenAfter: 100 });
    status = 500;
    await failure(pipeline(`${base}/x`));
    advance(100);
    status = 'hang';
    const probe = pipeline(`${base}/x`, { signal: AbortSignal.timeout(200) });
    const second = await failure(pipeline(`${base}/x`));
    expect(second).toBeInstanceOf(CircuitOpenError);
    expect((second as CircuitOpenError).retryAfter).toBe(0);
    await failure(probe); // aborted by the caller: counts for nothing, the circuit stays half-open
    status = 502;
    await failure(pipeline(`${base}/x`)); // the next probe fails
    expect(await failure(pipeline(`${base}/x`))).toBeInstanceOf(CircuitOpenError);
    expect(hits).toBe(3);
  });

  it('never counts 4xx; a success resets the count; circuits are per origin', async () => {
    const { pipeline } = setup({ breaker: consecutiveBreaker({ threshold: 2 }) });
    status = 404;
    for (let i = 0; i < 5; i++) expect(await failure(pipeline(`${base}/x`))).toBeInstanceOf(NotFoundError);
    status = 500;
    await failure(pipeline(`${base}/x`));
    status = 200;
    await pipeline(`${base}/x`);
    status = 500;
    await failure(pipeline(`${base}/x`));
    expect(await failure(pipeline(`${base}/x`))).toBeInstanceOf(ServerError); // opens on this one
    expect(await failure(pipeline(`${base}/x`))).toBeInstanceOf(CircuitOpenError);
    // Another origin (localhost instead of 127.0.0.1) has its own closed circuit.
    status = 200;
    expect((await pipeline(base.replace('127.0.0.1', 'localhost'))).status).toBe(200);
  });

  it('counts network errors and attempt timeouts, never the caller abort', async () => {
    const { pipeline } = setup({ breaker: consecutiveBreaker({ threshold: 2 }) });
    const dead = `http://127.0.0.1:${await closedPort()}`;
    expect(await failure(pipeline(dead))).toBeInstanceOf(NetworkError);
    expect(await failure(pipeline(dead))).toBeInstanceOf(NetworkError);
    expect(await failure(pipeline(dead))).toBeInstanceOf(CircuitOpenError);

    status = 'hang';
    const caller = new AbortController();
    const aborted = pipeline(`${base}/slow`, { signal: caller.signal });
    setTimeout(() => caller.abort(), 20);
    await failure(aborted);
    await failure(pipeline(`${base}/slow`, { signal: AbortSignal.abort() }));
    const timed = compose([errors(), circuitBreaker({ breaker: consecutiveBreaker({ threshold: 1 }) }), timeout({ attempt: 30 })]);
    expect(await failure(timed(`${base}/slow`))).toBeInstanceOf(TimeoutError);
    expect(await failure(timed(`${base}/slow`))).toBeInstanceOf(CircuitOpenError);
    // The first pipeline's circuit for `base` never opened: the aborts did not count.
    status = 200;
    expect((await pipeline(`${base}/ok`)).status).toBe(200);
  });

  it('stops retry at once when the circuit opens mid-retry', async () => {
    const pipeline = compose([
      errors(),
      retry({ limit: 5, sleep: async () => undefined }),
      circuitBreaker({ breaker: consecutiveBreaker({ threshold: 2 }) }),
    ]);
    status = 503;
    expect(await failure(pipeline(`${base}/x`))).toBeInstanceOf(CircuitOpenError);
    expect(hits).toBe(2);
  });

  it('a custom isFailure counts 429 too', async () => {
    const { pipeline } = setup({ breaker: consecutiveBreaker({ threshold: 1 }), isFailure: (o) => o.response?.status === 429 });
    status = 429;
    await failure(pipeline(`${base}/x`));
    expect(await failure(pipeline(`${base}/x`))).toBeInstanceOf(CircuitOpenError);
  });
});

describe('circuitBreaker: sampling', () => {
  it('opens on the failure rate over the window once the minimum throughput is met', async () => {
    const changes: string[] = [];
    const { pipeline, advance } = setup({
      breaker: samplingBreaker({ threshold: 0.5, duration: 10_000, minimumThroughput: 6 }),
      onStateChange: (c) => changes.push(`${c.from}>${c.to}`),
    });
    // 4 failures alone do not open it: below the minimum throughput.
    status = 500;
    for (let i = 0; i < 4; i++) await failure(pipeline(`${base}/x`));
    expect(changes).toEqual([]);
    // Old outcomes slide out of the window.
    advance(11_000);
    status = 200;
    for (let i = 0; i < 4; i++) await pipeline(`${base}/x`);
    status = 500;
    await failure(pipeline(`${base}/x`));
    expect(changes).toEqual([]); // 1 of 5
    await failure(pipeline(`${base}/x`));
    await failure(pipeline(`${base}/x`));
    await failure(pipeline(`${base}/x`)); // 4 of 8 = 50 %
    expect(changes).toEqual(['closed>open']);
    expect((await failure(pipeline(`${base}/x`))) as Error).toBeInstanceOf(CircuitOpenError);
  });
});

describe('circuitBreaker: options', () => {
  it('rejects bad options with a TypeError naming the option', () => {
    expect(() => consecutiveBreaker({ threshold: 0 })).toThrow(/"threshold"/);
    expect(() => samplingBreaker({ threshold: 2 })).toThrow(/"threshold"/);
    expect(() => samplingBreaker({ duration: -1 })).toThrow(/"duration"/);
    expect(() => samplingBreaker({ minimumThroughput: 0.5 })).toThrow(/"minimumThroughput"/);
    expect(() => circuitBreaker({ halfOpenAfter: Number.NaN })).toThrow(/"halfOpenAfter"/);
    expect(() => circuitBreaker({ breaker: {} as never })).toThrow(/"breaker"/);
    expect(() => circuitBreaker({ clock: 5 as never })).toThrow(/"clock"/);
    expect(() => circuitBreaker({ maxCircuits: 0 })).toThrow(/"maxCircuits"/);
  });
});
