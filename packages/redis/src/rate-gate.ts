import { createRateGate, parseAnnouncedQuota, type RateGate, sleep, TimeoutError } from '@sluice/core';
import { checkClient, type RedisClientLike } from './client.js';
import { RedisLink } from './health.js';
import { type RedisRateGateOptions, redisSchedulerStore } from './scheduler-store.js';
import { SharedQuota } from './shared-quota.js';

/**
 * A rate gate for many processes: `createRateGate` of `@sluice/core`, its per-origin state
 * shared through Redis with every process using the same `prefix`. Give it to
 * `createClient({ gate })` in each process.
 *
 * - **Closures.** A 429 or 503 with a server delay (`Retry-After`…) seen by one process
 *   closes that origin in every process until the delay has passed (see
 *   {@link redisSchedulerStore}).
 * - **Announced quotas.** Every admitted request to an origin that announces its quota
 *   (`RateLimit`, `X-RateLimit-*`) takes one from a count kept in Redis (one Lua call),
 *   so N processes together spend the window once; at 0, every process waits for the
 *   reset. The server's announcements correct the count.
 * - **Pacing.** Each process paces its own release from the shared state; the adaptive
 *   rate's learning stays per process (docs/redis.md says why).
 * - **Faults.** Redis down, slow (each call bounded by `timeoutMs`) or unreadable: the
 *   gate works as a single process's gate; `onEvent` hears one `redis:degraded`.
 *
 * @example
 * ```ts
 * import { redisRateGate } from '@sluice/redis';
 * import { createClient as createRedis } from 'redis';
 * import { createClient } from 'sluice';
 *
 * const redis = await createRedis({ url: process.env.REDIS_URL }).connect();
 * const api = createClient({ baseUrl: 'https://api.example.com', gate: redisRateGate(redis, { prefix: 'billing:' }) });
 * ```
 */
export function redisRateGate(redis: RedisClientLike, options: RedisRateGateOptions = {}): RateGate {
  checkClient(redis, 'redisRateGate(redis)');
  if (options.gate !== undefined && (options.gate === null || typeof options.gate !== 'object')) {
    throw new TypeError('redisRateGate: "gate" must be an options object for createRateGate.');
  }
  const quota = new SharedQuota(new RedisLink(redis, options, 'redisRateGate'));
  const gate = createRateGate({ ...options.gate, store: redisSchedulerStore(redis, options) });
  return {
    get size() {
      return gate.size;
    },
    acquire: (origin, signal, maxWait) => acquire(gate, quota, origin, signal, maxWait),
    observe(origin, response, ticket) {
      gate.observe(origin, response, ticket);
      if (!response) return;
      const now = Date.now();
      const announced = parseAnnouncedQuota(response.headers, now);
      if (announced) quota.announce(origin, announced, now);
    },
    closedFor: (origin) => gate.closedFor(origin),
    epoch: (origin) => gate.epoch?.(origin) ?? 0,
    ticket: (origin) => gate.ticket?.(origin) ?? { seq: 0, at: Date.now() },
  };
}

/** The local gate first (closures, pacing), then the shared count of an announced quota. */
async function acquire(gate: RateGate, quota: SharedQuota, origin: string, signal: AbortSignal, maxWait: number | undefined): Promise<void> {
  const start = Date.now();
  const left = () => (maxWait === undefined ? Number.POSITIVE_INFINITY : maxWait - (Date.now() - start));
  for (;;) {
    await gate.acquire(origin, signal, maxWait === undefined ? undefined : Math.max(0, left()));
    if (!quota.knows(origin)) return;
    const wait = await quota.take(origin);
    if (!wait) return;
    if (wait >= left()) {
      const waited = Math.round(maxWait ?? 0);
      throw new TimeoutError('total', waited, {
        message: `Still waiting at the rate-limit gate for ${origin} after ${waited} ms, the time that was left: its announced quota, counted by every process through Redis, is used up for ${wait} ms more; the request was never sent`,
      });
    }
    await sleep(wait, signal); // then the local gate again: a closure may have come meanwhile
  }
}
