import { AuthError } from '@sluice/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { type RedisClientLike, type RedisEvent, redisTokenLock } from '../src/index.js';
import { until } from './fixtures/fork.js';
import { type Connection, redisSuite } from './fixtures/suites.js';

const suite = redisSuite();
const freshClient = () => suite.client();
const numsub = (channel: string) => suite.numsub(channel);
/** A client for the test's own reads and writes. */
let redis: Connection;
beforeEach(async () => {
  redis = await suite.client();
});

/** A client whose second connection (the lock's subscriber) cannot be had: waiters poll. */
async function withoutPubSub(): Promise<RedisClientLike> {
  const client = await freshClient();
  return {
    sendCommand: (args, options) => client.sendCommand(args, options),
    duplicate: () => {
      throw new Error('no second connection allowed');
    },
  };
}

describe('redisTokenLock', () => {
  it('holds SET NX PX with a random fencing value while the task runs, and deletes it after', async () => {
    const lock = redisTokenLock(await freshClient(), { prefix: 'hold:', ttlMs: 5_000 });
    const seen: { value: string | null; ttl: number }[] = [];
    const result = await lock.run('svc', async () => {
      seen.push({ value: await redis.get('hold:lock:svc'), ttl: await redis.pTTL('hold:lock:svc') });
      return 'done';
    });
    expect(result).toBe('done');
    expect(seen[0]?.value).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[0]?.ttl).toBeGreaterThan(0);
    expect(seen[0]?.ttl).toBeLessThanOrEqual(5_000);
    expect(await redis.exists('hold:lock:svc')).toBe(0);
  });

  it('waits for another holder and wakes on its release message (pub/sub)', async () => {
    const lock = redisTokenLock(await freshClient(), { prefix: 'wake:', ttlMs: 60_000, pollMs: 60_000 });
    await redis.set('wake:lock:svc', 'other-process', { expiration: { type: 'PX', value: 60_000 } });
    let ran = false;
    const running = lock.run('svc', async () => {
      ran = true;
    });
    await until(async () => (await numsub('wake:lock:svc:released')) === 1, 'the waiter to subscribe');
    expect(ran).toBe(false);
    await redis.del('wake:lock:svc');
    await redis.publish('wake:lock:svc:released', 'released');
    await running;
    expect(ran).toBe(true);
    // The subscriber connection is closed once nobody waits.
    await until(async () => (await numsub('wake:lock:svc:released')) === 0, 'the subscriber to leave');
  });

  it('takes over when the holder dies and its lock expires', async () => {
    const lock = redisTokenLock(await freshClient(), { prefix: 'dead:', ttlMs: 5_000 });
    await redis.set('dead:lock:svc', 'crashed-process', { expiration: { type: 'PX', value: 300 } });
    const result = await lock.run('svc', async () => redis.get('dead:lock:svc'));
    expect(result).not.toBe('crashed-process');
  });

  it('never deletes a lock that another process took after its own expired (fencing)', async () => {
    const lock = redisTokenLock(await freshClient(), { prefix: 'fence:', ttlMs: 5_000 });
    await lock.run('svc', async () => {
      await redis.set('fence:lock:svc', 'successor', { expiration: { type: 'PX', value: 5_000 } });
    });
    expect(await redis.get('fence:lock:svc')).toBe('successor');
  });

  it('extends its lock while a slow task runs', async () => {
    const lock = redisTokenLock(await freshClient(), { prefix: 'extend:', ttlMs: 600 });
    const ttls: number[] = [];
    await lock.run('svc', async () => {
      for (let i = 0; i < 4; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        ttls.push(await redis.pTTL('extend:lock:svc'));
      }
    });
    expect(ttls.every((ttl) => ttl > 0)).toBe(true);
  });

  it('gives up after waitMs with an AuthError that says so', async () => {
    const lock = redisTokenLock(await freshClient(), { prefix: 'stuck:', ttlMs: 60_000, waitMs: 200 });
    await redis.set('stuck:lock:svc', 'slow-process', { expiration: { type: 'PX', value: 60_000 } });
    let ran = false;
    const error = await lock
      .run('svc', async () => {
        ran = true;
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).toMatch(/gave up after waiting 200 ms for the refresh lock of "svc".*another process holds it/);
    expect(ran).toBe(false);
  });

  it("a waiter stops waiting when the caller's signal aborts, rejecting with its reason (pub/sub)", async () => {
    const lock = redisTokenLock(await freshClient(), { prefix: 'abort:', ttlMs: 60_000, waitMs: 60_000 });
    await redis.set('abort:lock:svc', 'other-process', { expiration: { type: 'PX', value: 60_000 } });
    const controller = new AbortController();
    let ran = false;
    const running = lock.run('svc', async () => {
      ran = true;
    }, { signal: controller.signal });
    await until(async () => (await numsub('abort:lock:svc:released')) === 1, 'the waiter to subscribe');
    const reason = new Error('the caller went away');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(ran).toBe(false);
    // It left: the subscriber connection closes and the other holder's lock is untouched.
    await until(async () => (await numsub('abort:lock:svc:released')) === 0, 'the subscriber to leave');
    expect(await redis.get('abort:lock:svc')).toBe('other-process');
    // A later holder's release does not run the abandoned task.
    await redis.del('abort:lock:svc');
    expect(await lock.run('svc', async () => 'next')).toBe('next');
    expect(ran).toBe(false);
  });

  it('a polling waiter, and one queued in this process, stop at the abort too; an aborted signal never waits', async () => {
    // timeoutMs: a Redis slowed by a loaded machine must not count as an outage here (that runs the task in-process).
    const lock = redisTokenLock(await withoutPubSub(), { prefix: 'abort-poll:', ttlMs: 60_000, pollMs: 20, timeoutMs: 2_000 });
    await redis.set('abort-poll:lock:svc', 'other', { expiration: { type: 'PX', value: 60_000 } });
    const first = new AbortController();
    const second = new AbortController();
    const ran: string[] = [];
    const polling = lock.run('svc', async () => void ran.push('first'), { signal: first.signal });
    const queued = lock.run('svc', async () => void ran.push('second'), { signal: second.signal });
    second.abort(new Error('second gone'));
    await expect(queued).rejects.toThrow('second gone');
    first.abort(new Error('first gone'));
    await expect(polling).rejects.toThrow('first gone');
    await expect(lock.run('svc', async () => void ran.push('third'), { signal: AbortSignal.abort(new Error('already')) })).rejects.toThrow('already');
    await redis.del('abort-poll:lock:svc');
    expect(await lock.run('svc', async () => 'free')).toBe('free');
    expect(ran).toEqual([]);
  });

  it('runs the task under the in-process lock when Redis is down, reporting one outage', async () => {
    const events: RedisEvent[] = [];
    const lock = redisTokenLock(await freshClient(), { prefix: 'down:', onEvent: (event) => events.push(event) });
    await suite.server.kill();
    let inside = 0;
    let most = 0;
    const task = async () => {
      most = Math.max(most, ++inside);
      await new Promise((resolve) => setTimeout(resolve, 10));
      inside--;
      return inside;
    };
    await Promise.all([lock.run('svc', task), lock.run('svc', task), lock.run('svc', task)]);
    expect(most).toBe(1);
    expect(events.map((event) => event.type)).toEqual(['redis:degraded']);
  });

  it('falls back to polling when the subscriber connection cannot be opened', async () => {
    const lock = redisTokenLock(await withoutPubSub(), { prefix: 'poll:', ttlMs: 60_000, pollMs: 20 });
    await redis.set('poll:lock:svc', 'other', { expiration: { type: 'PX', value: 60_000 } });
    const running = lock.run('svc', async () => 'polled');
    await new Promise((resolve) => setTimeout(resolve, 60));
    await redis.del('poll:lock:svc');
    expect(await running).toBe('polled');
  });

  it('rejects bad options with a clear TypeError', async () => {
    const client = await freshClient();
    expect(() => redisTokenLock(null as never)).toThrow(/redisTokenLock\(redis\): "redis" must be a node-redis client.*got null/);
    expect(() => redisTokenLock(client, { ttlMs: -1 })).toThrow(/"ttlMs" must be a finite number > 0, got -1/);
    expect(() => redisTokenLock(client, { waitMs: Number.NaN })).toThrow(/"waitMs" must be a finite number > 0, got NaN/);
    expect(() => redisTokenLock(client, 'x' as never)).toThrow(/options must be an object, got string/);
  });
});
