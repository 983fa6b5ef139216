/**
 * The scheduler section: each target of issue 9's table, measured through `createClient`,
 * in both forms a user writes (every call fired at once behind `concurrency`, and a worker
 * pool through a client with no concurrency limit), with ky 2 on the real limiters.
 *
 * Sizes scale with `--requests=N` (default 2,000; `--quick` is 400): the token-bucket
 * scenarios run N, the real limiters N/2, the outage N/4.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { createRateGate } from '@sluice/core';
import { rateLimitedApi } from '@sluice/testing';
import { serve } from '@sluice/testing/node';
import { createClient } from 'sluice';
import { LIMITER_KINDS, startLimiter } from '../packages/client/test/limiters.js';
import { fmt, optional, type Row, sleep } from './pool.js';

type Form = 'at once' | 'pool';
type Get = (url: string) => Promise<void>;
interface Run {
  ms: number;
  failed: number;
  firstError?: string;
}

/** Runs `count` GETs in one form: all fired at once through `atOnce`, or `workers` workers through `pooled`. */
async function drive(form: Form, count: number, workers: number, atOnce: Get, pooled: Get, url: (i: number) => string): Promise<Run> {
  let failed = 0;
  let firstError: string | undefined;
  const fail = (error: unknown) => {
    failed++;
    firstError ??= error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 120) : String(error);
  };
  const started = performance.now();
  if (form === 'at once') {
    await Promise.all(Array.from({ length: count }, (_, i) => atOnce(url(i)).catch(fail)));
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < count) await pooled(url(next++)).catch(fail);
      }),
    );
  }
  return { ms: performance.now() - started, failed, ...(firstError ? { firstError } : {}) };
}

function sluiceGets(concurrencyLimit: number): { atOnce: Get; pooled: Get } {
  const limited = createClient({ concurrency: concurrencyLimit });
  const open = createClient();
  return {
    atOnce: async (url) => void (await limited.get(url).text()),
    pooled: async (url) => void (await open.get(url).text()),
  };
}

function row(subject: string, run: Run, idealMs: number, throttled: number, count: number, target: string): Row {
  const ratio = run.ms / idealMs;
  return {
    section: 'scheduler',
    subject,
    figure: `${(run.ms / 1000).toFixed(2)} s, ${fmt(run.failed)} failed, ${fmt(throttled)} × 429 (${((throttled / count) * 100).toFixed(1)}%)`,
    ratio: `${ratio.toFixed(2)}× ideal`,
    note: `target: ${target}${run.firstError ? `; first error: ${run.firstError}` : ''}`,
  };
}

/** Rows 1 and 2: the token-bucket server (200/s, burst 20), silent (Retry-After: 1 only) and announcing its quota. */
async function tokenBucketRows(count: number, log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const styles = ['retry-after', 'ratelimit', 'x-ratelimit'] as const;
  for (const style of styles) {
    for (const form of ['at once', 'pool'] as const) {
      const api = rateLimitedApi({ rate: 200, burst: 20, headers: style });
      const served = await serve([api]);
      try {
        const gets = sluiceGets(50);
        const run = await drive(form, count, 50, gets.atOnce, gets.pooled, (i) => `${served.url}/items/${i}`);
        const ideal = (count / 200) * 1000;
        const target = style === 'retry-after' ? '0 failed, ≤ 1.20×, ≤ 60 × 429' : '0 failed, ≤ 1.05×, ≤ 1 % 429';
        const subject = `${fmt(count)} GETs 200/s burst 20, ${style === 'retry-after' ? 'Retry-After: 1 only' : `announcing (${style})`}, ${form === 'at once' ? 'at once, concurrency 50' : '50 workers, no limit'}`;
        rows.push(row(subject, run, ideal, api.stats.limited, count, target));
        log(`  done: ${subject} in ${(run.ms / 1000).toFixed(1)} s`);
      } finally {
        await served.close();
      }
    }
  }
  return rows;
}

/** Row 3: the real limiters, 100 per 1 s window; Sluice in both forms and ky 2 with a 429 retry. */
async function realLimiterRows(count: number, log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const kyModule = await optional(() => import('ky'), 'default');
  const ideal = Math.max(1, Math.ceil(count / 100) - 1) * 1000;
  for (const kind of LIMITER_KINDS) {
    const contenders: Array<[string, Form, Get, Get]> = [];
    const gets = sluiceGets(20);
    contenders.push(['sluice, at once, concurrency 20', 'at once', gets.atOnce, gets.pooled]);
    contenders.push(['sluice, 20 workers, no limit', 'pool', gets.atOnce, gets.pooled]);
    if (kyModule.module) {
      const ky = kyModule.module.default;
      const kyGet: Get = async (url) =>
        void (await ky.get(url, { timeout: false, retry: { limit: 1_000, statusCodes: [429], afterStatusCodes: [429] } }).text());
      contenders.push(['ky 2, 20 workers (429 retry, Retry-After)', 'pool', kyGet, kyGet]);
    }
    for (const [name, form, atOnce, pooled] of contenders) {
      const server = await startLimiter(kind, 100, 1000);
      try {
        const run = await drive(form, count, 20, atOnce, pooled, (i) => `${server.url}/items/${i}`);
        rows.push(row(`${fmt(count)} GETs, ${kind}: ${name}`, run, ideal, server.counts.limited, count, '0 failed, ≤ 1.05×, ≤ 1 % 429'));
        log(`  done: ${kind}, ${name} in ${(run.ms / 1000).toFixed(1)} s`);
      } finally {
        await server.close();
      }
    }
  }
  return rows;
}

/** A node:http server with a handler; resolves to its URL and a close function. */
async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Row 4: two origins share one `concurrency: 20`; A answers 429 with Retry-After: 5. B's time with A vs alone. */
async function twoOriginsRow(count: number): Promise<Row> {
  const a = await listen((_req, res) => res.writeHead(429, { 'retry-after': '5' }).end());
  const b = await listen((_req, res) => setTimeout(() => res.end('ok'), 5));
  try {
    const timeB = async (withA: boolean) => {
      const client = createClient({ concurrency: 20 });
      const controller = new AbortController();
      const fromA = withA
        ? Array.from({ length: 200 }, (_, i) => client.get(`${a.url}/x/${i}`, { signal: controller.signal }).catch(() => {}))
        : [];
      const started = performance.now();
      await Promise.all(Array.from({ length: count }, (_, i) => client.get(`${b.url}/y/${i}`).text()));
      const ms = performance.now() - started;
      controller.abort();
      await Promise.all(fromA);
      return ms;
    };
    const alone = await timeB(false);
    const shared = await timeB(true);
    return {
      section: 'scheduler',
      subject: `two origins, one concurrency: 20; A: 429 + Retry-After: 5 (200 calls); B: ${fmt(count)} calls`,
      figure: `B alone ${(alone / 1000).toFixed(2)} s, B beside closed A ${(shared / 1000).toFixed(2)} s`,
      ratio: `${(shared / alone).toFixed(2)}× B alone`,
      note: 'target: ≤ 1.10×',
    };
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** Row 5: a 5 s outage (503 + Retry-After: 1), then healthy; calls fired at once at concurrency 50. */
async function outageRow(count: number): Promise<Row> {
  let seen = 0;
  let healthyAt = 0;
  const server = await listen((_req, res) => {
    seen++;
    if (Date.now() < healthyAt) res.writeHead(503, { 'retry-after': '1' }).end();
    else res.end('ok');
  });
  try {
    const client = createClient({ concurrency: 50 });
    healthyAt = Date.now() + 5_000;
    const run = await drive('at once', count, 50, async (url) => void (await client.get(url).text()), async () => {}, (i) => `${server.url}/o/${i}`);
    return {
      section: 'scheduler',
      subject: `5 s outage (503 + Retry-After: 1) then healthy; ${fmt(count)} calls at once, concurrency 50`,
      figure: `${fmt(run.failed)} failed, server saw ${fmt(seen)} requests, ${(run.ms / 1000).toFixed(1)} s`,
      ratio: `${(seen / count).toFixed(2)} requests per call`,
      note: `target: 0 failed, ≤ ${fmt(Math.round(count * 1.2))} requests${run.firstError ? `; first error: ${run.firstError}` : ''}`,
    };
  } finally {
    await server.close();
  }
}

/** Row 6: total deadline 1 s, a slow server (300 ms per answer), concurrency 10: requests that reach it after their own deadline. */
async function deadlineRow(count: number): Promise<Row> {
  let late = 0;
  let seen = 0;
  const server = await listen((req, res) => {
    seen++;
    if (Date.now() > Number(req.headers['x-deadline'])) late++;
    setTimeout(() => res.end('ok'), 300);
  });
  try {
    const client = createClient({ concurrency: 10, timeout: { total: 1_000 } });
    const calls = Array.from({ length: count }, (_, i) =>
      client.get(`${server.url}/d/${i}`, { headers: { 'x-deadline': String(Date.now() + 1_000) } }).text().then(
        () => 'ok',
        (error: Error) => error.name,
      ),
    );
    const outcomes = await Promise.all(calls);
    await sleep(400, new AbortController().signal); // let in-flight ones land
    const timedOut = outcomes.filter((name) => name === 'TimeoutError').length;
    return {
      section: 'scheduler',
      subject: `total deadline 1 s, slow server (300 ms), ${fmt(count)} calls at once, concurrency 10`,
      figure: `${fmt(late)} sent after their deadline; server saw ${fmt(seen)}, ${fmt(timedOut)} timed out unsent or in flight`,
      ratio: '-',
      note: 'target: 0 sent after their own deadline',
    };
  } finally {
    await server.close();
  }
}

/** Row 7: the gate's retained state after 20,000 distinct origins, then idle. */
async function memoryRow(origins: number): Promise<Row> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const measure = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const gate = createRateGate();
  const before = measure();
  const signal = new AbortController().signal;
  for (let i = 0; i < origins; i++) {
    const origin = `https://tenant-${i}.example.com`;
    await gate.acquire(origin, signal);
    gate.observe(origin, new Response('ok', { headers: { 'ratelimit-limit': '100', 'ratelimit-remaining': '99', 'ratelimit-reset': '1' } }), gate.ticket?.(origin));
  }
  const after = measure();
  const retained = Math.max(0, after - before);
  return {
    section: 'scheduler',
    subject: `${fmt(origins)} distinct origins through one gate, then idle`,
    figure: `${(retained / 1024 / 1024).toFixed(2)} MB retained, ${fmt(gate.size ?? 0)} origins kept`,
    ratio: '-',
    note: 'target: < 2 MB (maxOrigins 500 by default)',
  };
}

/** Parses `--requests=N` and `--quick` from argv. */
export function schedulerRequests(argv: readonly string[] = process.argv): number {
  const given = argv.find((arg) => arg.startsWith('--requests='));
  if (given) {
    const value = Number(given.slice('--requests='.length));
    if (Number.isInteger(value) && value > 0) return value;
  }
  return argv.includes('--quick') ? 400 : 2_000;
}

export async function schedulerSection(log: (line: string) => void, requests = schedulerRequests()): Promise<Row[]> {
  log(`  sizes: ${fmt(requests)} GETs (token bucket), ${fmt(requests / 2)} (real limiters), ${fmt(requests / 4)} (outage); --requests=N or --quick to change`);
  const rows: Row[] = [];
  rows.push(...(await tokenBucketRows(requests, log)));
  rows.push(...(await realLimiterRows(Math.round(requests / 2), log)));
  rows.push(await twoOriginsRow(Math.round(requests / 4)));
  log('  done: two origins');
  rows.push(await outageRow(Math.round(requests / 4)));
  log('  done: outage');
  rows.push(await deadlineRow(Math.round(requests / 10)));
  log('  done: deadline');
  rows.push(await memoryRow(20_000));
  return rows;
}
