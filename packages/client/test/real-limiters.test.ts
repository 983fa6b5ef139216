import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../src/index.js';
import { LIMITER_KINDS, type RunningLimiter, startLimiter } from './limiters.js';

/**
 * Sluice against real rate limiters on a loopback port, 100 requests per 1 s window, in
 * both forms a user writes: every call fired at once behind `concurrency`, and a worker
 * pool through a client with no concurrency limit. Small sizes for CI; `npm run bench`
 * runs 1,000 and prints the timings.
 */
const REQUESTS = 250;
const LIMIT = 100;

let running: RunningLimiter | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function workers(count: number, size: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

describe('real limiters: announced quotas are read and kept to', () => {
  for (const kind of LIMITER_KINDS) {
    for (const form of ['all at once, concurrency 20', 'worker pool of 20, no concurrency limit'] as const) {
      it(`${kind}: ${form}`, async () => {
        running = await startLimiter(kind, LIMIT, 1000);
        const base = running.url;
        const statuses: number[] = [];
        if (form === 'all at once, concurrency 20') {
          const client = createClient({ concurrency: 20 });
          const all = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => client.get(`${base}/item/${i}`).then((r) => r.status)));
          statuses.push(...all);
        } else {
          const client = createClient();
          await workers(REQUESTS, 20, async (i) => {
            statuses.push((await client.get(`${base}/item/${i}`)).status);
          });
        }
        if (process.env.SLUICE_DEBUG) console.log(kind, form, running.counts);
        expect(statuses).toEqual(Array(REQUESTS).fill(200));
        expect(running.counts.ok).toBe(REQUESTS);
        // The quota is announced: a 429 is rare (the bench prints the figure); a gate that
        // ignored the announcement would see about 150 here.
        expect(running.counts.limited).toBeLessThanOrEqual(REQUESTS * 0.04);
      });
    }
  }
});
