import { createServer } from 'node:http';
import { listen } from '@sluice/testing/node';
import { describe, type ExpectStatic, it } from 'vitest';
import { compose, concurrency, createRateGate, retry, timeout } from '@sluice/core';

/**
 * Recovery after a short outage: an origin answers every request with a 429 or a 503 and
 * `Retry-After-Ms: 200` for a while, then is healthy. Once the asked-for delay has passed
 * the adaptive rate must recover: a rate "learnt" while the server refused everything
 * (nothing accepted, nothing could be sent while the gate was closed) is no cap. Counts
 * only, no timings: every healthy request succeeds with a per-request total of 4 s (soft checks on the outage, so a run shows both), where
 * a rate stuck near `minRate` (0.5/s) sends a handful.
 */
async function outageThenHealthy(expect: ExpectStatic, status: 429 | 503, pattern: 'at once' | 'pool', idleFirst = false) {
  let down = !idleFirst;
  const hits = { down: 0, up: 0 };
  const server = await listen(
    createServer((request, response) => {
      if (down) {
        hits.down++;
        response.writeHead(status, { 'retry-after-ms': '200', 'content-type': 'text/plain' }).end('down');
        return;
      }
      // Only the healthy phase's own requests count: an outage attempt the client gave up on
      // (its 1.5 s total passed) can still reach a loaded server after the outage ends.
      if (request.url?.startsWith('/up/')) hits.up++;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    }),
  );
  try {
    const gate = createRateGate();
    const client = (total: number) => compose([timeout({ total }), retry({ gate, limit: 1 }), concurrency({ limit: 32 })]);
    const run = async (pipeline: ReturnType<typeof client>, path: string, count: number) => {
      const failures: string[] = [];
      const one = async (index: number) => {
        try {
          const response = await pipeline(`${server.url}/${path}/${index}`);
          await response.arrayBuffer();
          if (response.status !== 200) failures.push(String(response.status));
        } catch (error) {
          failures.push(String((error as Error).message));
        }
      };
      if (pattern === 'at once') {
        await Promise.all(Array.from({ length: count }, (_, index) => one(index)));
      } else {
        let next = 0;
        const worker = async () => {
          while (next < count) await one(next++);
        };
        await Promise.all(Array.from({ length: 8 }, worker));
      }
      return failures;
    };

    if (idleFirst) {
      // A little healthy traffic, then an idle spell: no rate may be averaged over it.
      expect(await run(client(4_000), 'before', 5)).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      down = true;
      hits.up = 0;
    }
    // The outage: requests with one retry and a total of 1.5 s each (50 at once, or 16 from
    // the pool, two rounds of its 8 workers); every one fails. It outlasts the first answer's
    // hold (1 s), so the adaptive rate sees refusals after sending resumed.
    const requests = pattern === 'at once' ? 50 : 16;
    const outage = await run(client(1_500), 'down', requests);
    expect.soft(outage).toHaveLength(requests);
    // The gate reopens when the asked-for 200 ms have passed, and does not hammer: after each
    // refusal, one probe per closure (about 7 in the first 1.5 s), not a herd. (An origin
    // that answered before is not held for its first answer: up to the 32 slots go at once.)
    expect.soft(hits.down).toBeGreaterThanOrEqual(3);
    expect.soft(hits.down).toBeLessThanOrEqual((idleFirst ? 32 : 0) + 16);

    down = false;
    const healthy = await run(client(4_000), 'up', 60);
    expect(healthy.filter((message) => message.includes('never left'))).toEqual([]);
    expect(healthy).toEqual([]);
    expect(hits.up).toBe(60);
  } finally {
    await server.close();
  }
}

describe('the adaptive rate after a short outage (Retry-After-Ms: 200, then healthy)', () => {
  for (const status of [429, 503] as const) {
    for (const pattern of ['at once', 'pool'] as const) {
      it.concurrent(`${status}, requests ${pattern === 'at once' ? 'fired at once (Promise.all)' : 'from a pool of 8 workers'}: every healthy request succeeds`, { timeout: 30_000 }, ({ expect }) =>
        outageThenHealthy(expect, status, pattern),
      );
    }
    it.concurrent(`${status} after 5 requests and 1.5 s idle, requests fired at once: every healthy request succeeds`, { timeout: 30_000 }, ({ expect }) =>
      outageThenHealthy(expect, status, 'at once', true),
    );
  }
});
