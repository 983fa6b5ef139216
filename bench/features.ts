/**
 * `npm run bench -- features`: what the opt-in middlewares save the server, counted by a
 * local node:http server. dedupe: 100 identical concurrent GETs. cache: 1,000 GETs of one
 * fresh resource, then one after it went stale. circuitBreaker: a 5 s outage, scaled
 * down 10× in real time (0.5 s of 503s, half-open after 0.1 s, retry backoff 30–300 ms),
 * under the same offered load with and without the breaker.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cache } from '@sluice/cache';
import { CircuitOpenError, circuitBreaker, consecutiveBreaker, dedupe } from '@sluice/core';
import { createClient } from 'sluice';
import { type Row, sleep } from './pool.js';

interface CountingServer {
  readonly url: string;
  /** Requests seen, by kind. */
  readonly counts: { total: number; conditional: number; outage: number };
  /** While true, every request gets a 503. */
  down: boolean;
  close(): Promise<void>;
}

async function countingServer(): Promise<CountingServer> {
  const state = { counts: { total: 0, conditional: 0, outage: 0 }, down: false };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    state.counts.total++;
    if (state.down) {
      state.counts.outage++;
      res.writeHead(503).end();
      return;
    }
    if (req.headers['if-none-match'] === '"v1"') {
      state.counts.conditional++;
      res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=1' }).end();
      return;
    }
    // Slow enough that concurrent callers overlap (as a real API would).
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json', etag: '"v1"', 'cache-control': 'max-age=1' });
      res.end('{"ok":true}');
    }, 20);
  };
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  });
}

async function dedupeRows(server: CountingServer, log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  for (const withDedupe of [false, true]) {
    const before = server.counts.total;
    const client = createClient({
      baseUrl: server.url,
      middleware: withDedupe ? [{ middleware: dedupe(), before: 'timeout.total' }] : [],
    });
    await Promise.all(Array.from({ length: 100 }, () => client.get('profile').json()));
    const seen = server.counts.total - before;
    log(`  dedupe ${withDedupe ? 'on ' : 'off'}: 100 concurrent identical GETs -> ${seen} request(s) at the server`);
    rows.push({ section: 'features', subject: `dedupe ${withDedupe ? 'on' : 'off'}`, figure: `${seen} req / 100 GETs`, ratio: `${(seen / 100).toFixed(2)}x` });
  }
  return rows;
}

async function cacheRows(server: CountingServer, log: (line: string) => void): Promise<Row[]> {
  const client = createClient({ baseUrl: server.url, middleware: [{ middleware: cache(), before: 'timeout.total' }] });
  const before = server.counts.total;
  for (let i = 0; i < 1_000; i++) await client.get('config').json();
  const fresh = server.counts.total - before;
  await sleep(1_100, AbortSignal.timeout(5_000)); // max-age=1: now stale
  const conditionalBefore = server.counts.conditional;
  await client.get('config').json();
  const revalidations = server.counts.conditional - conditionalBefore;
  log(`  cache: 1,000 sequential GETs of a fresh resource -> ${fresh} request(s); after max-age, 1 GET -> ${revalidations} revalidation(s) (304)`);
  return [
    { section: 'features', subject: 'cache, fresh', figure: `${fresh} req / 1,000 GETs`, ratio: `${(fresh / 1_000).toFixed(3)}x` },
    { section: 'features', subject: 'cache, stale', figure: `${revalidations} revalidation (304)`, ratio: '-', note: 'If-None-Match, stored body served' },
  ];
}

/** 20 workers, each sending a GET every 10 ms while the outage lasts (scaled 1/10: 0.5 s stands for 5 s). */
async function outageRun(server: CountingServer, withBreaker: boolean): Promise<{ seen: number; fastFails: number }> {
  const client = createClient({
    baseUrl: server.url,
    retry: { baseDelay: 30, maxDelay: 300 },
    middleware: withBreaker
      ? [{ middleware: circuitBreaker({ breaker: consecutiveBreaker({ threshold: 5 }), halfOpenAfter: 100 }), after: 'retry' }]
      : [],
  });
  const before = server.counts.outage;
  let fastFails = 0;
  server.down = true;
  const ends = performance.now() + 500;
  const worker = async () => {
    while (performance.now() < ends) {
      await client
        .get('orders', { timeout: 2_000 })
        .json()
        .catch((error: unknown) => {
          if (error instanceof CircuitOpenError) fastFails++;
        });
      await sleep(10, AbortSignal.timeout(1_000));
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  server.down = false;
  return { seen: server.counts.outage - before, fastFails };
}

async function breakerRows(server: CountingServer, log: (line: string) => void): Promise<Row[]> {
  const without = await outageRun(server, false);
  const withIt = await outageRun(server, true);
  log(`  outage (5 s scaled to 0.5 s, 20 workers every 10 ms): without the breaker the server saw ${without.seen} requests; with it ${withIt.seen} (${withIt.fastFails} failed at once with CircuitOpenError)`);
  return [
    { section: 'features', subject: 'breaker off, outage', figure: `${without.seen} req during outage`, ratio: '1.00x', note: 'scaled 1/10 in real time' },
    {
      section: 'features',
      subject: 'breaker on, outage',
      figure: `${withIt.seen} req during outage`,
      ratio: `${(withIt.seen / Math.max(1, without.seen)).toFixed(2)}x`,
      note: `${withIt.fastFails} CircuitOpenError`,
    },
  ];
}

/** The features section: dedupe, cache and breaker counts. */
export async function featuresSection(log: (line: string) => void): Promise<Row[]> {
  const server = await countingServer();
  try {
    return [...(await dedupeRows(server, log)), ...(await cacheRows(server, log)), ...(await breakerRows(server, log))];
  } finally {
    await server.close();
  }
}
