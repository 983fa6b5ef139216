/**
 * Only the silent token-bucket scenario of the scheduler section (2,000 GETs against a
 * 200/s bucket, burst 20, answering 429 with `Retry-After: 1` only), in both forms, a few
 * times each: a quick loop while tuning the scheduler. `npm run bench -- scheduler`
 * gives the figures.
 *
 *     npx tsx --conditions=@sluice/source bench/silent-bucket.ts [--requests=N] [--runs=N] [--trace]
 *
 * `--trace` prints, per 100 ms of the run, the requests the server accepted and refused
 * (the first `now()` call of the server, at its creation, counts as one refusal at 0).
 */
import { rateLimitedApi } from '@sluice/testing';
import { serve } from '@sluice/testing/node';
import { createClient } from 'sluice';

const arg = (name: string, fallback: number): number => {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`));
  return given ? Number(given.slice(name.length + 3)) : fallback;
};
const count = arg('requests', 2_000);
const runs = arg('runs', 2);
const trace = process.argv.includes('--trace');

async function once(form: 'at once' | 'pool'): Promise<string> {
  const started = performance.now();
  const events: Array<[number, boolean]> = [];
  const hits: number[] = [];
  const api = rateLimitedApi({
    rate: 200,
    burst: 20,
    headers: 'retry-after',
    now: () => {
      hits.push(performance.now() - started);
      return Date.now();
    },
    respond: () => {
      events.push([performance.now() - started, true]);
      return Response.json({ ok: true });
    },
  });
  const served = await serve([api]);
  let failed = 0;
  const t0 = performance.now();
  try {
    if (form === 'at once') {
      const client = createClient({ concurrency: 50 });
      await Promise.all(Array.from({ length: count }, (_, i) => client.get(`${served.url}/items/${i}`).text().catch(() => void failed++)));
    } else {
      const client = createClient();
      let next = 0;
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (next < count) await client.get(`${served.url}/items/${next++}`).text().catch(() => void failed++);
        }),
      );
    }
  } finally {
    await served.close();
  }
  const ms = performance.now() - t0;
  if (trace) {
    const buckets = new Map<number, number>();
    for (const [at] of events) buckets.set(Math.floor(at / 100), (buckets.get(Math.floor(at / 100)) ?? 0) + 1);
    const all = new Map<number, number>();
    for (const at of hits) all.set(Math.floor(at / 100), (all.get(Math.floor(at / 100)) ?? 0) + 1);
    console.log(`  per 100 ms ok/429: ${[...all.entries()].map(([b, n]) => `${b}:${buckets.get(b) ?? 0}/${n - (buckets.get(b) ?? 0)}`).join(' ')}`);
  }
  return `${form.padEnd(8)} ${(ms / 1000).toFixed(2)} s  ${(ms / ((count / 200) * 1000)).toFixed(2)}× ideal  ${api.stats.limited} × 429  ${failed} failed`;
}

for (let run = 0; run < runs; run++) {
  for (const form of ['at once', 'pool'] as const) console.log(await once(form));
}
