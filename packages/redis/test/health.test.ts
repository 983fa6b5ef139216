// The outage state every helper shares: a late answer, one warning per outage.
import { describe, expect, it } from 'vitest';
import { type RedisEvent, redisTokenStore } from '../src/index.js';
import { until } from './fixtures/fork.js';
import { redisSuite } from './fixtures/suites.js';

const suite = redisSuite();

/** Holds every client's commands in Redis for `ms` (they are answered, late, afterwards). */
async function pause(ms: number): Promise<void> {
  await (await suite.client()).sendCommand(['CLIENT', 'PAUSE', String(ms), 'ALL']);
}

describe('Redis health', () => {
  it('a late answer (after the bound) ends the outage: one warning, one recovery, and Redis is used again at once', async () => {
    const events: RedisEvent[] = [];
    const raw = await suite.client();
    // retryMs far beyond the test: without the late answer, Redis would be skipped throughout.
    const store = redisTokenStore(await suite.client(), { prefix: 'late:', timeoutMs: 100, retryMs: 600_000, onEvent: (event) => events.push(event) });
    expect(await store.get('k')).toBeUndefined();
    await pause(500);
    // Three calls time out together: one outage, one warning.
    expect(await Promise.all([store.get('k'), store.get('k'), store.get('k')])).toEqual([undefined, undefined, undefined]);
    expect(events.map((event) => event.type)).toEqual(['redis:degraded']);
    expect(events[0]).toMatchObject({ reason: 'timeout', operation: 'token-store.get' });
    await until(() => events.length === 2, 'the late answers to end the outage');
    expect(events[1]).toMatchObject({ type: 'redis:recovered', operation: 'token-store.get' });
    // Redis is the truth again, not skipped until retryMs.
    await raw.set('late:token:k', JSON.stringify({ accessToken: 'back' }));
    expect(await store.get('k')).toEqual({ accessToken: 'back' });
    expect(events).toHaveLength(2);
  });

  it('each outage warns once: a second slow spell is a second outage', async () => {
    const events: RedisEvent[] = [];
    const store = redisTokenStore(await suite.client(), { prefix: 'twice:', timeoutMs: 100, retryMs: 600_000, onEvent: (event) => events.push(event) });
    for (let spell = 1; spell <= 2; spell++) {
      await pause(400);
      await store.get('k');
      await store.get('k'); // skipped while degraded: no second warning
      await until(() => events.length === spell * 2, `the recovery after spell ${spell}`);
    }
    expect(events.map((event) => event.type)).toEqual(['redis:degraded', 'redis:recovered', 'redis:degraded', 'redis:recovered']);
  });

  it('a late answer that cannot be read ends nothing: the outage goes on until a good answer', async () => {
    const events: RedisEvent[] = [];
    const raw = await suite.client();
    await raw.set('junk:token:k', 'not json');
    const store = redisTokenStore(await suite.client(), { prefix: 'junk:', timeoutMs: 100, retryMs: 50, onEvent: (event) => events.push(event) });
    await pause(300);
    await store.get('k');
    // The late garbage reply came and went; the outage is still on.
    await until(async () => (await raw.get('junk:token:k')) === 'not json', 'Redis to answer again');
    expect(events.map((event) => event.type)).toEqual(['redis:degraded']);
    await raw.del('junk:token:k');
    await until(async () => {
      await store.get('k');
      return events.length === 2;
    }, 'a readable answer');
    expect(events.map((event) => event.type)).toEqual(['redis:degraded', 'redis:recovered']);
  });
});
