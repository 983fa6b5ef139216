import { beforeEach, describe, expect, it } from 'vitest';
import { type RedisEvent, redisTokenStore } from '../src/index.js';
import { until } from './fixtures/fork.js';
import { type Connection, redisSuite } from './fixtures/suites.js';

const suite = redisSuite();
const freshClient = () => suite.client();
/** The client the store under test and the test's own reads use. */
let redis: Connection;
beforeEach(async () => {
  redis = await suite.client();
});

describe('redisTokenStore', () => {
  it('stores a token as JSON with a TTL equal to its remaining lifetime', async () => {
    const store = redisTokenStore(redis, { prefix: 'ttl:' });
    const expiresAt = Date.now() + 60_000;
    await store.set('svc', { accessToken: 'abc', expiresAt, tokenType: 'Bearer' });
    const ttl = await redis.pTTL('ttl:token:svc');
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(JSON.parse((await redis.get('ttl:token:svc')) ?? '')).toEqual({ accessToken: 'abc', expiresAt, tokenType: 'Bearer' });
    const other = redisTokenStore(await freshClient(), { prefix: 'ttl:' });
    expect(await other.get('svc')).toEqual({ accessToken: 'abc', expiresAt, tokenType: 'Bearer' });
  });

  it('keeps a token with no expiry without a TTL, and writes no expired token', async () => {
    const store = redisTokenStore(redis, { prefix: 'noexp:' });
    await store.set('forever', { accessToken: 'opaque' });
    expect(await redis.pTTL('noexp:token:forever')).toBe(-1);
    await redis.set('noexp:token:old', JSON.stringify({ accessToken: 'older' }));
    await store.set('old', { accessToken: 'gone', expiresAt: Date.now() - 1 });
    expect(await redis.exists('noexp:token:old')).toBe(0);
  });

  it('deletes, and reads a missing key as absent', async () => {
    const store = redisTokenStore(redis, { prefix: 'del:' });
    await store.set('k', { accessToken: 'x', expiresAt: Date.now() + 10_000 });
    await store.delete('k');
    expect(await redis.exists('del:token:k')).toBe(0);
    expect(await store.get('k')).toBeUndefined();
  });

  it('reads garbage as a fault: answers from memory and reports it once', async () => {
    const events: RedisEvent[] = [];
    const client = await freshClient();
    const store = redisTokenStore(client, { prefix: 'junk:', onEvent: (event) => events.push(event), retryMs: 1 });
    const token = { accessToken: 'good', expiresAt: Date.now() + 10_000 };
    await store.set('k', token);
    await redis.set('junk:token:k', '{"accessToken": 42}');
    expect(await store.get('k')).toEqual(token);
    await redis.set('junk:token:k', 'not json');
    expect(await store.get('k')).toEqual(token);
    expect(events.map((event) => event.type)).toEqual(['redis:degraded']);
    expect(events[0]).toMatchObject({ reason: 'garbage', operation: 'token-store.get' });
    expect(JSON.stringify(events)).not.toContain('good');
    await redis.set('junk:token:k', JSON.stringify({ accessToken: 'fixed' }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await store.get('k')).toEqual({ accessToken: 'fixed' });
    expect(events.map((event) => event.type)).toEqual(['redis:degraded', 'redis:recovered']);
  });

  it('keeps working from memory while Redis is down, with one warning, and recovers', async () => {
    const events: RedisEvent[] = [];
    const client = await freshClient();
    const store = redisTokenStore(client, { prefix: 'down:', onEvent: (event) => events.push(event), retryMs: 20 });
    const token = { accessToken: 'kept', expiresAt: Date.now() + 60_000 };
    await store.set('k', token);
    await suite.server.kill();
    for (let i = 0; i < 5; i++) expect(await store.get('k')).toEqual(token);
    await store.set('k', { ...token, accessToken: 'newer' });
    expect(await store.get('k')).toMatchObject({ accessToken: 'newer' });
    expect(events.map((event) => event.type)).toEqual(['redis:degraded']);
    await suite.server.start();
    await until(async () => {
      await store.get('k');
      return events.length === 2;
    }, 'the recovery event');
    expect(events[1]).toMatchObject({ type: 'redis:recovered' });
    // Redis restarted empty: it is the truth again.
    expect(await store.get('k')).toBeUndefined();
  });

  it('rejects bad input with a clear TypeError', () => {
    expect(() => redisTokenStore(undefined as never)).toThrow(/"redis" must be a node-redis client.*got undefined/);
    expect(() => redisTokenStore({} as never)).toThrow(/without sendCommand/);
    expect(() => redisTokenStore(redis, { timeoutMs: 0 })).toThrow(/"timeoutMs" must be a finite number > 0, got 0/);
    expect(() => redisTokenStore(redis, { prefix: 3 as never })).toThrow(/"prefix" must be a string/);
    expect(() => redisTokenStore(redis, { onEvent: 'log' as never })).toThrow(/"onEvent" must be a function/);
  });
});
