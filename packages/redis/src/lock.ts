import { addAbortListener } from 'node:events';
import { inProcessLock, type TokenLock } from '@sluice/auth';
import { AuthError } from '@sluice/core';
import { checkClient, type RedisClientLike } from './client.js';
import { GARBAGE, RedisLink } from './link.js';
import { checkRedisKeys, positive, type RedisSharedOptions, SHARED_KEYS } from './options.js';
import type { OptionKeys } from '@sluice/core';
import { type Listening, Subscriber } from './subscriber.js';

/**
 * Options of {@link redisTokenLock}.
 *
 * @example
 * ```ts
 * const options: RedisTokenLockOptions = { prefix: 'billing:', ttlMs: 10_000, waitMs: 30_000 };
 * ```
 */
export interface RedisTokenLockOptions extends RedisSharedOptions {
  /** How long the lock lives unless its holder extends it (it does, every third of it, while alive). Default 10 000 ms. */
  ttlMs?: number;
  /** How long a process waits for another's refresh before failing with an `AuthError`. Default 30 000 ms. */
  waitMs?: number;
  /** How often a waiter checks the lock when pub/sub is unavailable. Default 100 ms. */
  pollMs?: number;
}

/** Takes the lock (`SET NX PX`): 0 when taken, else the holder's remaining ms (at least 1). */
const ACQUIRE = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then return 1 end
return ttl`;

/** Compare-and-delete, then tells the waiters. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], 'released')
  return 1
end
return 0`;

/** Compare-and-extend. */
const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** While subscribed, a waiter still looks at the lock this often (a lost message costs no more). */
const SUBSCRIBED_CHECK_MS = 1000;

interface LockSettings {
  ttlMs: number;
  waitMs: number;
  pollMs: number;
}

/**
 * A `TokenLock` for `tokenAuth`'s `lock` option that reaches every process sharing one
 * Redis: one of them refreshes the token, the others wait and then read the new token from
 * the shared store ({@link redisTokenStore}).
 *
 * - The lock is `SET <prefix>lock:<key> <random fencing value> NX PX ttlMs`; its holder
 *   extends it while the refresh runs and releases it with a Lua compare-and-delete, so a
 *   holder whose lock expired never deletes another's.
 * - A waiter learns that the lock was released through pub/sub (a `duplicate()` of your
 *   client, opened only while someone waits), polling every `pollMs` only when that
 *   connection cannot be had. It then takes the lock and `tokenAuth` finds the new token
 *   in the store instead of calling the token endpoint.
 * - A holder that dies (killed, partitioned) stops extending: its lock expires after
 *   `ttlMs` and another process refreshes.
 * - A waiter gives up after `waitMs` with an `AuthError` that says so, and at once, with
 *   the signal's reason, when the caller's `signal` aborts (`tokenAuth` aborts it when
 *   every request waiting for the refresh was aborted).
 * - Redis down, slow or unreadable: the refresh runs under the in-process lock (what one
 *   process does alone), and `onEvent` hears it once per outage.
 *
 * @example
 * ```ts
 * import { clientCredentials, tokenAuth } from '@sluice/auth';
 * import { redisTokenLock, redisTokenStore } from '@sluice/redis';
 * import { createClient } from 'redis';
 *
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
 * const auth = tokenAuth(clientCredentials({ tokenUrl: 'https://auth.example.com/oauth/token', clientId: 'svc', clientSecret: 's' }), {
 *   store: redisTokenStore(redis, { prefix: 'billing:' }),
 *   lock: redisTokenLock(redis, { prefix: 'billing:', ttlMs: 10_000 }),
 *   origins: ['https://api.example.com'],
 * });
 * ```
 */
export function redisTokenLock(redis: RedisClientLike, options: RedisTokenLockOptions = {}): TokenLock {
  checkClient(redis, 'redisTokenLock(redis)');
  checkRedisKeys('redisTokenLock(redis, options)', options, LOCK_KEYS);
  const link = new RedisLink(redis, options, 'redisTokenLock');
  const settings: LockSettings = {
    ttlMs: Math.ceil(positive(options.ttlMs, 10_000, 'ttlMs', 'redisTokenLock')),
    waitMs: positive(options.waitMs, 30_000, 'waitMs', 'redisTokenLock'),
    pollMs: positive(options.pollMs, 100, 'pollMs', 'redisTokenLock'),
  };
  const subscriber = new Subscriber(link);
  return {
    run: (name, task, runOptions) => {
      const signal = runOptions?.signal;
      if (signal?.aborted) return Promise.reject(signal.reason);
      const queued = inProcessLock.run(link.key('lock', name), () => runLocked(link, subscriber, settings, name, task, signal));
      return signal ? untilAborted(queued, signal) : queued;
    },
  };
}

async function runLocked<T>(link: RedisLink, subscriber: Subscriber, settings: LockSettings, name: string, task: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  // Queued in this process behind another task and aborted meanwhile: neither wait nor run.
  if (signal?.aborted) throw signal.reason;
  const key = link.key('lock', name);
  const fence = globalThis.crypto.randomUUID();
  const taken = await acquire(link, subscriber, settings, name, key, fence, signal);
  if (!taken) return task();
  const extension = setInterval(() => void extend(link, key, fence, settings.ttlMs), Math.max(1, Math.floor(settings.ttlMs / 3)));
  try {
    return await task();
  } finally {
    clearInterval(extension);
    await link.run('lock.release', ['EVAL', RELEASE, '1', key, fence, channelOf(key)], asInteger);
  }
}

/** `true` once the lock is ours; `false` when Redis cannot say (run without it). */
async function acquire(link: RedisLink, subscriber: Subscriber, settings: LockSettings, name: string, key: string, fence: string, signal: AbortSignal | undefined): Promise<boolean> {
  const first = await tryAcquire(link, key, fence, settings.ttlMs);
  if (first === undefined) return false;
  if (first === 0) return true;
  const deadline = Date.now() + settings.waitMs;
  const listening = await subscriber.listen(channelOf(key));
  try {
    return await waitForRelease(link, listening, settings, key, fence, deadline, name, signal);
  } finally {
    listening?.release();
  }
}

async function waitForRelease(
  link: RedisLink,
  listening: Listening | undefined,
  settings: LockSettings,
  key: string,
  fence: string,
  deadline: number,
  name: string,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    const held = await tryAcquire(link, key, fence, settings.ttlMs);
    if (held === undefined) return false;
    if (held === 0) return true;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new AuthError(
        `redisTokenLock: gave up after waiting ${settings.waitMs} ms for the refresh lock of "${name}": another process holds it and has neither released it nor let it expire (raise "waitMs", or check that process).`,
      );
    }
    const check = listening ? SUBSCRIBED_CHECK_MS : settings.pollMs;
    const ms = Math.min(held + 1, left, check);
    await (listening ? listening.wait(ms, signal) : pause(ms, signal));
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (the loop then throws its reason). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Settles like `promise`, or rejects with `signal.reason` as soon as `signal` aborts. */
async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  let listener: Disposable | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    listener = addAbortListener(signal, () => reject(signal.reason));
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    listener?.[Symbol.dispose]();
  }
}

/** 0 when taken, the holder's remaining ms when held, `undefined` when Redis failed. */
async function tryAcquire(link: RedisLink, key: string, fence: string, ttlMs: number): Promise<number | undefined> {
  const outcome = await link.run('lock.acquire', ['EVAL', ACQUIRE, '1', key, fence, String(ttlMs)], asInteger, (late) => {
    // Taken after we gave up on the answer: hand it back rather than let it block others for ttlMs.
    if (late === 0) void link.client.sendCommand(['EVAL', RELEASE, '1', key, fence, channelOf(key)]).catch(() => undefined);
  });
  return outcome.ok ? outcome.value : undefined;
}

async function extend(link: RedisLink, key: string, fence: string, ttlMs: number): Promise<void> {
  await link.run('lock.extend', ['EVAL', EXTEND, '1', key, fence, String(ttlMs)], asInteger);
}

function channelOf(key: string): string {
  return `${key}:released`;
}

function asInteger(reply: unknown): number | typeof GARBAGE {
  return typeof reply === 'number' && Number.isInteger(reply) && reply >= 0 ? reply : GARBAGE;
}

const LOCK_KEYS: OptionKeys<RedisTokenLockOptions> = { ...SHARED_KEYS, ttlMs: true, waitMs: true, pollMs: true };
