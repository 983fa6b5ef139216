/**
 * Section `workers`: 4 Node processes (each its own client and Redis connection) calling
 * one API for one OAuth client, with and without `@sluice/redis` (token store and lock,
 * and the shared rate gate). Figures: token calls, 429s, failures, and the slowest
 * worker's time against the ideal (its own pacing, or the server's rate for all). Needs `redis-server` on the PATH (apt-get install redis-server).
 */
import { type ApiServer, type ApiServerOptions, startApiServer } from '../packages/redis/test/fixtures/api-server.js';
import { forkWorker } from '../packages/redis/test/fixtures/fork.js';
import { acceptedToken } from '../packages/redis/test/fixtures/seed.js';
import type { WorkerConfig } from '../packages/redis/test/fixtures/worker.js';
import { type RedisServer, startRedis } from '../packages/redis/test/redis-server.js';
import { fmt, type Row } from './pool.js';

const WORKERS = 4;

interface Scenario {
  name: string;
  server: ApiServerOptions;
  worker: Omit<WorkerConfig, 'id' | 'apiUrl' | 'tokenUrl' | 'prefix' | 'redisUrl'>;
  /** Every worker starts with one token that lives this long (ms), then expires mid-run. */
  handedTokenMs?: number;
  /** The time the slowest worker needs at best, in ms, given each worker's request count. */
  ideal: (requestsEach: number) => number;
  describe: string;
}

const TOKENS: Scenario = {
  name: 'token expiring mid-run',
  server: { expiresIn: 3600 },
  worker: { requests: 200, lanes: 2, intervalMs: 10, skewMs: 100 },
  handedTokenMs: 500,
  ideal: (each) => (each / 2) * 10,
  describe: `${WORKERS} workers × 200 GETs (2 lanes, 10 ms apart), all handed one token that expires 0.5 s into the run (new ones live 1 h)`,
};

const BUCKET: Scenario = {
  name: '100 req/s bucket, burst 10, Retry-After 1',
  server: { limit: { rate: 100, burst: 10, retryAfter: 1 } },
  worker: { requests: 500, lanes: 4, intervalMs: 0, skewMs: 0, retryLimit: 10 },
  ideal: (each) => ((each * WORKERS - 10) / 100) * 1000,
  describe: `${WORKERS} workers × 500 GETs (4 lanes each) against a token bucket of 100/s for all, burst 10, 429 with Retry-After: 1`,
};

const QUOTA: Scenario = {
  name: 'announced quota 100 per 1 s window',
  server: { window: { limit: 100, windowMs: 1000 } },
  worker: { requests: 500, lanes: 4, intervalMs: 0, skewMs: 0, retryLimit: 10 },
  ideal: (each) => Math.max(0, Math.ceil((each * WORKERS) / 100) - 1) * 1000,
  describe: `${WORKERS} workers × 500 GETs (4 lanes each) against a fixed window of 100 per second that announces X-RateLimit-Limit/-Remaining/-Reset`,
};

interface Outcome {
  ok: number;
  failed: number;
  tokenCalls: number;
  throttled: number;
  slowestMs: number;
  error: string | undefined;
  /** `redis:degraded` events across the workers (a call over the 50 ms bound counts). */
  degraded: number;
}

async function runOnce(scenario: Scenario, redis: RedisServer | undefined, prefix: string): Promise<Outcome> {
  const api: ApiServer = await startApiServer(scenario.server);
  try {
    const pool = Array.from({ length: WORKERS }, (_, i) =>
      forkWorker({
        id: `b${i + 1}`,
        apiUrl: api.url,
        tokenUrl: api.tokenUrl,
        prefix,
        ...(redis ? { redisUrl: redis.url, shareRate: true } : {}),
        ...scenario.worker,
      }),
    );
    await Promise.all(pool.map((worker) => worker.ready));
    const token = scenario.handedTokenMs === undefined ? undefined : acceptedToken(api, prefix, scenario.handedTokenMs);
    pool.forEach((worker) => {
      worker.go(token);
    });
    const results = await Promise.all(pool.map((worker) => worker.result));
    return {
      ok: results.reduce((sum, result) => sum + result.ok, 0),
      failed: results.reduce((sum, result) => sum + result.failed, 0),
      tokenCalls: api.stats.tokenCalls,
      throttled: api.stats.throttled,
      slowestMs: Math.max(...results.map((result) => result.elapsedMs)),
      error: results.flatMap((result) => result.errors)[0],
      degraded: pool.reduce((sum, worker) => sum + worker.events.filter((event) => event.type === 'redis:degraded').length, 0),
    };
  } finally {
    await api.close();
  }
}

function row(scenario: Scenario, subject: string, outcome: Outcome): Row {
  const idealMs = scenario.ideal(scenario.worker.requests ?? 0);
  return {
    section: 'workers',
    subject: `${scenario.name}: ${subject}`,
    figure: `${fmt(outcome.tokenCalls)} token calls, ${fmt(outcome.throttled)} × 429, ${fmt(outcome.failed)} failed`,
    ratio: `${(outcome.slowestMs / idealMs).toFixed(2)}x ideal`,
    note: outcome.error ?? `slowest ${fmt(outcome.slowestMs)} ms, ideal ${fmt(idealMs)} ms${outcome.degraded ? `, ${outcome.degraded} × Redis degraded` : ''}`,
  };
}

/** `--quick`: a tenth of the requests in the rate scenarios (a smoke run, rough figures). */
function quickened(scenario: Scenario): Scenario {
  const requests = Math.max(20, Math.round((scenario.worker.requests ?? 0) / 10));
  return { ...scenario, worker: { ...scenario.worker, requests }, describe: `${scenario.describe} (quick: ${requests} each)` };
}

export async function workersSection(log: (line: string) => void, quick = false): Promise<Row[]> {
  const redis = await startRedis();
  const rows: Row[] = [];
  try {
    for (const scenario of quick ? [TOKENS, quickened(BUCKET), quickened(QUOTA)] : [TOKENS, BUCKET, QUOTA]) {
      log(`  ${scenario.describe}`);
      rows.push(row(scenario, 'no Redis', await runOnce(scenario, undefined, 'bench-alone:')));
      rows.push(row(scenario, '@sluice/redis', await runOnce(scenario, redis, `bench-${rows.length}:`)));
    }
  } finally {
    await redis.stop();
  }
  return rows;
}
