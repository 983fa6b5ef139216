// Redis failing degrades, it never fails requests: killed mid-run, restarted, and slow.
import { tokenAuth, clientCredentials } from '@sluice/auth';
import { createClient as sluiceClient } from 'sluice';
import { describe, expect, it } from 'vitest';
import { type RedisEvent, redisTokenLock, redisTokenStore } from '../src/index.js';
import { forkWorker, until } from './fixtures/fork.js';
import { acceptedToken, storeToken } from './fixtures/seed.js';
import { processSuite } from './fixtures/suites.js';
import { connect } from './redis-server.js';

const suite = processSuite();

describe('Redis faults (real processes, real Redis)', () => {
  it('Redis killed mid-run: requests keep succeeding with one warning each; restarted: sharing resumes', async () => {
    const { redis: redisServer, api } = suite;
    const prestored = acceptedToken(api, 'faults', 600_000);
    await storeToken(redisServer.url, 'faults:', prestored);
    const before = api.stats.tokenCalls;
    const pool = Array.from({ length: 4 }, (_, i) =>
      forkWorker({ id: `f${i + 1}`, apiUrl: api.url, tokenUrl: api.tokenUrl, redisUrl: redisServer.url, prefix: 'faults:', lanes: 2, intervalMs: 10, skewMs: 0, retryMs: 200, timeoutMs: 500 }),
    );
    await Promise.all(pool.map((worker) => worker.ready));
    pool.forEach((worker) => {
      worker.go();
    });
    await until(() => pool.every((worker) => worker.done >= 20), 'every worker to make 20 requests');

    await redisServer.kill();
    const atKill = pool.map((worker) => worker.done);
    await until(() => pool.every((worker, i) => worker.events.length === 1 && worker.done >= atKill[i]! + 40), 'every worker to degrade and go on');
    expect(api.stats.tokenCalls - before).toBe(0);

    await redisServer.start();
    await until(() => pool.every((worker) => worker.events.length === 2), 'every worker to recover');
    // The restarted Redis is empty: one worker refreshes, and every worker ends on its token.
    await until(() => {
      const last = pool.map((worker) => api.stats.lastToken.get(worker.id));
      return new Set(last).size === 1 && last[0] !== prestored.accessToken;
    }, 'every worker to use the one refreshed token');
    pool.forEach((worker) => {
      worker.stop();
    });
    const results = await Promise.all(pool.map((worker) => worker.result));

    const ok = results.reduce((sum, result) => sum + result.ok, 0);
    console.info(`redis killed and restarted: ${ok} ok, ${results.reduce((sum, r) => sum + r.failed, 0)} failed, ${api.stats.tokenCalls - before} token call(s)`);
    expect(results.flatMap((result) => result.errors)).toEqual([]);
    for (const worker of pool) {
      expect(worker.events.map((event) => event.type)).toEqual(['redis:degraded', 'redis:recovered']);
    }
    expect(api.stats.tokenCalls - before).toBe(1);
  });

  it('a slow Redis (DEBUG SLEEP) slows a request by no more than the bound', async () => {
    const { redis: redisServer, api } = suite;
    const redis = await connect(redisServer.url);
    const sleeper = await connect(redisServer.url);
    const events: RedisEvent[] = [];
    // A bound wide enough that a loaded CI machine never trips it in the warm-up.
    const bound = 250;
    const shared = { prefix: 'slow:', timeoutMs: bound, onEvent: (event: RedisEvent) => events.push(event) };
    const auth = tokenAuth(clientCredentials({ tokenUrl: api.tokenUrl, clientId: 'workers', clientSecret: 's' }), {
      origins: [api.url],
      key: 'svc',
      store: redisTokenStore(redis, shared),
      lock: redisTokenLock(redis, shared),
    });
    const client = sluiceClient({ baseUrl: api.url, auth });
    for (let i = 0; i < 3; i++) await client.get('items').json();
    expect(events).toEqual([]);

    let awake = false;
    const asleep = sleeper.sendCommand(['DEBUG', 'SLEEP', '3']).then(() => {
      awake = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100)); // let Redis start sleeping
    const took: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      await client.get('items').json();
      took.push(Math.round(performance.now() - start));
    }
    const finishedAsleep = !awake;
    console.info(`slow Redis: 5 requests while Redis sleeps took ${took.join(', ')} ms (bound ${bound} ms)`);
    expect(finishedAsleep).toBe(true);
    expect(events.map((event) => [event.type, event.type === 'redis:degraded' ? event.reason : ''])).toEqual([['redis:degraded', 'timeout']]);

    await asleep;
    await until(async () => {
      await client.get('items').json();
      return events.length === 2;
    }, 'the recovery event');
    expect(events[1]?.type).toBe('redis:recovered');
    redis.destroy();
    sleeper.destroy();
  });
});
