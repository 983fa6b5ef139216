import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose, concurrency, createRateGate, retry } from '@sluice/core';
import { tokenBucket } from './helpers.js';

/** A token-bucket server: `burst` at once, then `rate` per second; 429 with `Retry-After: 1` when empty. */
function tokenBucketServer(rate: number, burst: number) {
  const bucket = tokenBucket(rate, burst, performance.now());
  const stats = { ok: 0, limited: 0 };
  const server = createServer((_request, response) => {
    if (bucket(performance.now())) {
      stats.ok++;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    } else {
      stats.limited++;
      response.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain' }).end('slow down');
    }
  });
  return { server, stats };
}

describe('rate-limit scenario: 2,000 GETs at concurrency 50 against 200 req/s, burst 20, Retry-After: 1', () => {
  const { server, stats } = tokenBucketServer(200, 20);
  let base = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => (server as Server).listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('finishes every request with few 429s', { timeout: 60_000 }, async () => {
    const pipeline = compose([retry({ gate: createRateGate() }), concurrency({ limit: 50 })]);
    const total = 2000;
    let next = 0;
    const failures: unknown[] = [];
    const started = performance.now();
    const worker = async () => {
      while (next < total) {
        const id = next++;
        try {
          const response = await pipeline(`${base}/items/${id}`);
          await response.arrayBuffer();
          if (response.status !== 200) failures.push(response.status);
        } catch (error) {
          failures.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    const elapsed = (performance.now() - started) / 1000;
    console.log(
      `rate-limit scenario: ${total} requests in ${elapsed.toFixed(2)} s (${(elapsed / 10).toFixed(2)}× the ideal 10 s), ${stats.limited} 429s, ${stats.ok} 200s`,
    );
    expect(failures).toEqual([]);
    expect(stats.ok).toBe(total);
    // The first herd (everything in flight before the first 429 is seen) gives about 40 on
    // loopback (50 in flight against a burst of 20, plus the requests that the first
    // successes let through before a 429 came back), and the probe that learns the rate one
    // or two more: 44-47 measured on a loaded 2-core machine. The target is 40; the bound
    // leaves room for a noisy shared machine without hiding a regression to a herd (peers
    // that sleep exactly Retry-After get over a thousand here).
    expect(stats.limited).toBeLessThanOrEqual(60);
  });
});
