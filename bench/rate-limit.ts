/**
 * Section 2: the rate-limit scenario. 2,000 GETs, 50 in flight, against a server that
 * allows 200 req/s with a burst of 20 and answers 429 with `Retry-After: 1`. Ideal: 10 s.
 * Sluice (gate + paced release + adaptive rate), ky 2's own retry honouring Retry-After,
 * and a naive loop that sleeps exactly Retry-After run at the same time, each against its
 * own server, so the figures come from one run.
 */
import { rateLimitedApi } from '@sluice/testing';
import { serve } from '@sluice/testing/node';
import { fmt, optional, type PoolResult, type Row, runPool, sleep } from './pool.js';
import type { LocalServer } from './servers.js';

const REQUESTS = 2_000;
const WORKERS = 50;
const RATE = 200;
const BURST = 20;
const RETRY_AFTER_S = 1;
const IDEAL_MS = (REQUESTS / RATE) * 1000;
/** Keeps the bench bounded: a contender still running after this is stopped and reported as such. */
const DEADLINE_MS = 95_000;

type Get = (url: string, signal: AbortSignal) => Promise<void>;

async function naiveGet(url: string, signal: AbortSignal): Promise<void> {
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const response = await fetch(url, { signal });
    await response.text();
    if (response.status !== 429) {
      if (!response.ok) throw new Error(`status ${response.status}`);
      return;
    }
    await sleep(Number(response.headers.get('retry-after') ?? '1') * 1000, signal);
  }
  throw new Error('gave up after 1,000 attempts');
}

async function contenders(log: (line: string) => void): Promise<Array<readonly [string, Get]>> {
  const list: Array<readonly [string, Get]> = [];
  const sluice = await optional(() => import('sluice'), 'createClient');
  if (sluice.module) {
    const client = sluice.module.createClient({ concurrency: WORKERS });
    list.push(['sluice (defaults + concurrency 50)', async (url, signal) => void (await client.get(url, { signal }).text())]);
  } else {
    log(`  skipped Sluice: ${sluice.missing}`);
  }
  const kyModule = await optional(() => import('ky'), 'default');
  if (kyModule.module) {
    const ky = kyModule.module.default;
    list.push([
      'ky 2 retry (Retry-After honoured)',
      async (url, signal) =>
        void (await ky
          .get(url, { signal, timeout: false, retry: { limit: 1_000, statusCodes: [429], afterStatusCodes: [429] } })
          .text()),
    ]);
  } else {
    log(`  skipped ky: ${kyModule.missing}`);
  }
  list.push(['naive: sleep exactly Retry-After', naiveGet]);
  return list;
}

/** A rate-limited server and a live count of its 429s. */
type Limited = LocalServer & { throttled(): number };

/** The @sluice/testing kit's `rateLimitedApi` (the same bucket the tests use) served on 127.0.0.1. */
async function limitedServer(log: (line: string) => void, first: boolean): Promise<Limited> {
  if (first) log('  server: @sluice/testing rateLimitedApi, served by @sluice/testing/node serve()');
  const api = rateLimitedApi({ rate: RATE, burst: BURST, headers: 'retry-after' });
  const served = await serve([api]);
  return { url: served.url, close: () => served.close(), throttled: () => api.stats.limited };
}

function row(name: string, result: PoolResult, throttled: number, deadlineMs: number): Row {
  const ratio = result.elapsedMs / IDEAL_MS;
  const note = result.stopped
    ? `stopped at the ${deadlineMs / 1000} s cap with ${fmt(result.done)}/${fmt(REQUESTS)} done`
    : result.failed
      ? `${fmt(result.failed)} failed: ${result.errors[0] ?? ''}`
      : 'no failures';
  return {
    section: 'rate-limit',
    subject: name,
    figure: `${(result.elapsedMs / 1000).toFixed(1)} s, ${fmt(throttled)} × 429 (${((throttled / REQUESTS) * 100).toFixed(1)}%)`,
    ratio: `${result.stopped ? '≥' : ''}${ratio.toFixed(2)}× ideal`,
    note,
  };
}

/** `deadlineMs` caps each contender's run (`--quick` passes a shorter one). */
export async function rateLimitSection(log: (line: string) => void, deadlineMs = DEADLINE_MS): Promise<Row[]> {
  const list = await contenders(log);
  log(
    `  ${fmt(REQUESTS)} GETs, ${WORKERS} in flight; server: ${RATE} req/s, burst ${BURST}, 429 + Retry-After: ${RETRY_AFTER_S}; ideal ${IDEAL_MS / 1000} s; cap ${deadlineMs / 1000} s`,
  );
  const servers = await Promise.all(list.map((_, i) => limitedServer(log, i === 0)));
  try {
    const results = await Promise.all(
      list.map(async ([name, get], i) => {
        const server = servers[i]!;
        const result = await runPool(REQUESTS, WORKERS, (index, signal) => get(`${server.url}/items/${index}`, signal), deadlineMs);
        log(`  done: ${name} in ${(result.elapsedMs / 1000).toFixed(1)} s`);
        return row(name, result, server.throttled(), deadlineMs);
      }),
    );
    return results;
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}
