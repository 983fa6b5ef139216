import type { OptionKeys, RateGateOptions, SchedulerStateStore, SchedulerStateUpdate } from '@sluice/core';
import { checkClient, type RedisClientLike, type RedisSubscriberLike, unrefSubscriber } from './client.js';
import { GARBAGE, RedisLink } from './link.js';
import { checkRedisKeys, type RedisSharedOptions, SHARED_KEYS } from './options.js';

/**
 * Options of {@link redisSchedulerStore} and {@link redisRateGate}.
 *
 * @example
 * ```ts
 * const options: RedisRateGateOptions = { prefix: 'billing:', gate: { maxClosedMs: 30_000 } };
 * ```
 */
export interface RedisRateGateOptions extends RedisSharedOptions {
  /** Options of the local gate ({@link redisRateGate} only). */
  gate?: Omit<RateGateOptions, 'store'>;
}

/** Stores the latest update of one kind for an origin, with its life, and tells the others. */
const SHARE = `redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
redis.call('PUBLISH', ARGV[4], ARGV[2])
return 1`;

/** How long the state hash outlives its last write at least (a closure or window is shorter). */
const STATE_LIFE_MS = 3_600_000;

/**
 * A `SchedulerStateStore` (the rate gate's sharing seam) kept in Redis: closures (a 429 or
 * 503 with `Retry-After`, an announced quota used up until its reset) and announced
 * quotas learnt by one process reach every process, keyed by origin.
 *
 * - `publish` returns at once: the update goes out in the background (bounded by
 *   `timeoutMs`), on the channel `<prefix>rate`, and into the hash `<prefix>rate:state`
 *   so a process that starts later still learns a closure in force.
 * - `subscribe` listens on a connection of its own (a `duplicate()` of your client) and
 *   first reads the hash, delivering the updates still in force.
 * - Redis down, slow or unreadable: each gate keeps what it learns itself (the
 *   single-process behaviour) and `onEvent` hears one `redis:degraded` per outage.
 *
 * @example
 * ```ts
 * import { createRateGate } from '@sluice/core';
 * import { redisSchedulerStore } from '@sluice/redis';
 * import { createClient } from 'redis';
 *
 * const redis = await createClient().connect();
 * const gate = createRateGate({ store: redisSchedulerStore(redis, { prefix: 'billing:' }) });
 * ```
 */
export function redisSchedulerStore(redis: RedisClientLike, options: RedisRateGateOptions = {}): SchedulerStateStore {
  checkClient(redis, 'redisSchedulerStore(redis)');
  checkRedisKeys('redisSchedulerStore(redis, options)', options, RATE_GATE_KEYS);
  const link = new RedisLink(redis, options, 'redisSchedulerStore');
  const channel = link.key('rate');
  const stateKey = link.key('rate', 'state');
  return {
    publish(update) {
      const shared = sanitize(update);
      if (!shared) return;
      const field = `${shared.origin}|${shared.closedUntil === undefined ? 'quota' : 'closed'}`;
      void link.run('rate.publish', ['EVAL', SHARE, '1', stateKey, field, JSON.stringify(shared), String(STATE_LIFE_MS), channel], isOne);
    },
    subscribe(listener) {
      return new Listener(link, channel, stateKey, listener).start();
    },
  };
}

/** One subscription: its own connection, the catch-up read, and the parsing of messages. */
class Listener {
  private connection: RedisSubscriberLike | undefined;
  private closed = false;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly link: RedisLink,
    private readonly channel: string,
    private readonly stateKey: string,
    private readonly listener: (update: SchedulerStateUpdate) => void,
  ) {}

  start(): () => void {
    void this.open();
    return () => this.close();
  }

  private async open(): Promise<void> {
    this.retry = undefined;
    if (this.closed) return;
    let connection: RedisSubscriberLike;
    try {
      // It does not reconnect by itself (node-redis would wait on timers that keep the
      // process alive): when it closes, `reopen` opens a new one on an unref()ed timer.
      connection = unrefSubscriber(this.link.client);
      this.connection = connection;
      connection.on('error', () => {
        if (connection.isOpen === false) this.reopen(connection);
      });
      await within(connection.connect(), this.link.settings.timeoutMs * 4);
      await within(connection.subscribe(this.channel, (message) => this.deliver(message, 'rate.message')), this.link.settings.timeoutMs * 4);
    } catch {
      this.reopen(this.connection);
      return;
    }
    if (this.closed) connection.destroy();
    else await this.catchUp();
  }

  /** Drops `connection` (the current one) and opens another after `retryMs`, then catches up. */
  private reopen(connection: RedisSubscriberLike | undefined): void {
    if (connection !== this.connection) return;
    connection?.destroy();
    this.connection = undefined;
    if (!this.closed && this.retry === undefined) this.retry = unref(setTimeout(() => void this.open(), this.link.settings.retryMs));
  }

  private async catchUp(): Promise<void> {
    const outcome = await this.link.run('rate.read', ['HGETALL', this.stateKey], asEntries);
    if (!outcome.ok) return;
    for (const raw of outcome.value) this.deliver(raw, 'rate.read');
  }

  private deliver(raw: string, operation: string): void {
    if (this.closed) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const update = sanitize(parsed);
    if (!update) {
      this.link.garbage(operation, 'an unreadable scheduler update');
      return;
    }
    if (update.closedUntil !== undefined && update.closedUntil <= Date.now()) return;
    if (update.quota && update.quota.resetAt <= Date.now()) return;
    try {
      this.listener(update);
    } catch {
      // a gate's failure must not stop the subscription
    }
  }

  private close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.connection?.destroy();
    this.connection = undefined;
  }
}

/** A well-formed update (numbers finite, origin a string), or `undefined`. */
function sanitize(value: unknown): SchedulerStateUpdate | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const update = value as Partial<SchedulerStateUpdate>;
  if (typeof update.source !== 'string' || typeof update.origin !== 'string' || update.origin === '') return undefined;
  const out: SchedulerStateUpdate = { source: update.source, origin: update.origin };
  if (update.closedUntil !== undefined) {
    if (!finite(update.closedUntil)) return undefined;
    out.closedUntil = update.closedUntil;
  }
  const quota = update.quota;
  if (quota !== undefined) {
    if (!quota || !finite(quota.remaining) || !finite(quota.resetAt)) return undefined;
    if ((quota.limit !== undefined && !finite(quota.limit)) || (quota.windowMs !== undefined && !finite(quota.windowMs))) return undefined;
    out.quota = { remaining: quota.remaining, resetAt: quota.resetAt, ...(quota.limit === undefined ? {} : { limit: quota.limit }), ...(quota.windowMs === undefined ? {} : { windowMs: quota.windowMs }) };
  }
  if (out.closedUntil === undefined && out.quota === undefined) return undefined;
  return out;
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isOne(reply: unknown): true | typeof GARBAGE {
  return reply === 1 ? true : GARBAGE;
}

/** HGETALL's values: RESP2 gives a flat array, RESP3 (or a type mapping) an object. */
function asEntries(reply: unknown): string[] | typeof GARBAGE {
  if (Array.isArray(reply)) return reply.filter((_, i) => i % 2 === 1).map(String);
  if (reply && typeof reply === 'object') return Object.values(reply).map(String);
  return GARBAGE;
}

async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = unref(setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms));
  });
  try {
    await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/** The keys of {@link RedisRateGateOptions}. */
export const RATE_GATE_KEYS: OptionKeys<RedisRateGateOptions> = { ...SHARED_KEYS, gate: true };
