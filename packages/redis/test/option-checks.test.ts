import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { redisRateGate, redisSchedulerStore, redisTokenLock, redisTokenStore } from '../src/index.js';

// Creation-time checks only: the client is never connected, so no server is needed.
const redis = createClient();

describe('the redis factories check their options at creation', () => {
  it.each([
    ['redisTokenStore', () => redisTokenStore(redis as never, { prefx: 'a:' } as never), 'prefx', 'prefix'],
    ['redisTokenLock', () => redisTokenLock(redis as never, { ttlMS: 5000 } as never), 'ttlMS', 'ttlMs'],
    ['redisSchedulerStore', () => redisSchedulerStore(redis as never, { timeoutMS: 50 } as never), 'timeoutMS', 'timeoutMs'],
    ['redisRateGate', () => redisRateGate(redis as never, { gates: {} } as never), 'gates', 'gate'],
  ])('%s refuses an unknown key', (where, make, key, closest) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(`${where}(redis, options): unknown option "${key}" (did you mean "${closest}"?)`);
  });

  it.each([
    ['timeoutMs', () => redisTokenStore(redis as never, { timeoutMs: 3e9 })],
    ['retryMs', () => redisSchedulerStore(redis as never, { retryMs: 3e9 })],
    ['waitMs', () => redisTokenLock(redis as never, { waitMs: 3e9 })],
    ['ttlMs', () => redisTokenLock(redis as never, { ttlMs: 3e9 })],
  ])('refuses %s above the longest timer', (name, make) => {
    expect(make).toThrow(new RegExp(`"${name}" must be a finite number > 0, got 3000000000 \\(at most 2147483647, the longest timer\\)`));
  });
});
