import { setTimeout as delay } from 'node:timers/promises';
import { createRateGate, parseAnnouncedQuota, type RateGate, type SchedulerStateStore, serverDelay, TimeoutError } from '@sluice/core';
import { checkClient, type RedisClientLike } from './client.js';
import { RedisLink } from './link.js';
import { checkRedisKeys } from './options.js';
import { RATE_GATE_KEYS, type RedisRateGateOptions, redisSchedulerStore } from './scheduler-store.js';
import { SharedPace } from './shared-pace.js';
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
 * - **The learnt rate.** Once an origin has been throttled, every send of every process
 *   takes its turn from one pace in Redis, whose rate they measure together from what the
 *   server served all of them (docs/redis.md, "How the shared pace works"). Each process
 *   still releases its own waiters.
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
  checkRedisKeys('redisRateGate(redis, options)', options, RATE_GATE_KEYS);
  if (options.gate !== undefined && (options.gate === null || typeof options.gate !== 'object')) {
    throw new TypeError('redisRateGate: "gate" must be an options object for createRateGate.');
  }
  const link = new RedisLink(redis, options, 'redisRateGate');
  const quota = new SharedQuota(link);
  const pace = new SharedPace(link);
  // While Redis answers, the shared pace is the learnt rate (a per-process adaptive rate
  // would learn only its share, and pace against it too); while it does not, `alone` is
  // the single-process gate, adaptive rate included, which has seen every response.
  // Its release after a closure is the shared pace's too (an even spread would stay on
  // while requests keep queueing, at the rate of the queue it found on reopening).
  const gate = createRateGate({ ...options.gate, adaptive: false, releaseWindowMs: 0, store: engaging(redisSchedulerStore(redis, options), pace) });
  const alone = createRateGate(options.gate ?? {});
  return {
    get size() {
      return gate.size;
    },
    acquire: (origin, signal, maxWait) => (link.degraded ? alone.acquire(origin, signal, maxWait) : acquire(gate, quota, pace, origin, signal, maxWait)),
    observe(origin, response, ticket) {
      gate.observe(origin, response, ticket);
      alone.observe(origin, response, ticket);
      if (!response) return;
      const now = Date.now();
      const announced = parseAnnouncedQuota(response.headers, now);
      if (announced) quota.announce(origin, announced, now);
      if (response.status === 429 || response.status === 503) {
        const delay = serverDelay(response.headers, now);
        if (response.status === 429 || delay !== undefined) pace.throttled(origin, delay ?? 0);
      } else if (response.ok) pace.accepted(origin);
    },
    closedFor: (origin) => Math.max(gate.closedFor(origin), link.degraded ? alone.closedFor(origin) : 0),
    epoch: (origin) => (gate.epoch?.(origin) ?? 0) + (alone.epoch?.(origin) ?? 0),
    // The last look before the wire belongs to the gate that admitted the attempt.
    ticket: (origin) => {
      const admitting = link.degraded ? alone : gate;
      return admitting.ticket ? admitting.ticket(origin) : { seq: 0, at: Date.now() };
    },
    announcedReset: (origin) => (link.degraded ? alone : gate).announcedReset?.(origin),
  };
}

/**
 * The local gate first (closures, pacing), then the shared count of an announced quota,
 * then the shared pace of a throttled origin.
 */
async function acquire(gate: RateGate, quota: SharedQuota, pace: SharedPace, origin: string, signal: AbortSignal, maxWait: number | undefined): Promise<void> {
  const start = Date.now();
  const left = () => (maxWait === undefined ? Number.POSITIVE_INFINITY : maxWait - (Date.now() - start));
  for (;;) {
    await gate.acquire(origin, signal, maxWait === undefined ? undefined : Math.max(0, left()));
    // An announced quota is counted exactly; only an origin without one needs the learnt pace.
    const wait = quota.knows(origin) ? await quota.take(origin) : pace.knows(origin) ? await pace.take(origin) : undefined;
    if (!wait) return;
    if (wait >= left()) {
      const waited = Math.round(maxWait ?? 0);
      throw new TimeoutError('total', waited, {
        message: `Still waiting at the rate-limit gate for ${origin} after ${waited} ms, the time that was left: the rate shared by every process through Redis lets it go in ${wait} ms; the request was never sent`,
      });
    }
    await pause(wait, signal);
    if (pace.knows(origin) && !quota.knows(origin) && gate.closedFor(origin) === 0) return; // its reserved turn
  }
}

/** Passes updates through; a closure learnt elsewhere engages the shared pace of its origin here too. */
function engaging(store: SchedulerStateStore, pace: SharedPace): SchedulerStateStore {
  return {
    publish: (update) => store.publish(update),
    subscribe: (listener) =>
      store.subscribe((update) => {
        listener(update);
        if (update.closedUntil !== undefined) pace.engage(update.origin);
      }),
  };
}

/** Waits `ms`; on abort it rejects with the signal's own reason (a `TimeoutError`, say), not Node's `AbortError`. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    throw signal.aborted ? signal.reason : error;
  }
}
