export type { RedisClientLike, RedisSubscriberLike } from './client.js';
export type { RedisEvent, RedisSharedOptions } from './options.js';
export { type RedisTokenStoreOptions, redisTokenStore } from './token-store.js';
export { type RedisTokenLockOptions, redisTokenLock } from './lock.js';
export { type RedisRateGateOptions, redisSchedulerStore } from './scheduler-store.js';
export { redisRateGate } from './rate-gate.js';
