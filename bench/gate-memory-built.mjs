/**
 * The scheduler section's memory row, against the built `@sluice/core` (what an app
 * imports) instead of the sources under tsx: `npm run build`, then
 * `node --expose-gc bench/gate-memory-built.mjs`. Under tsx every named inner function
 * gets a `__name` call (esbuild's keepNames), which gives each closure of each origin a
 * property store; the built package has none. Prints the heap retained by one gate after
 * 20,000 distinct origins, three times in one process (the first includes V8's own warm-up).
 */
import { createRateGate } from '@sluice/core';

const gc = globalThis.gc;
if (!gc) throw new Error('run with node --expose-gc');
const measure = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

async function run(origins) {
  const gate = createRateGate();
  const before = measure();
  const signal = new AbortController().signal;
  const headers = { 'ratelimit-limit': '100', 'ratelimit-remaining': '99', 'ratelimit-reset': '1' };
  for (let i = 0; i < origins; i++) {
    const origin = `https://tenant-${i}.example.com`;
    await gate.acquire(origin, signal);
    gate.observe(origin, new Response('ok', { headers }), gate.ticket?.(origin));
  }
  const retained = measure() - before;
  console.log(`${origins} origins: ${(retained / 1048576).toFixed(2)} MB retained, ${gate.size} origins kept`);
  return gate;
}

const gates = [];
for (let round = 0; round < 3; round++) gates.push(await run(20_000));
