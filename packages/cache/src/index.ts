export { type CacheOptions, type CacheStatus, cache } from './cache.js';
export { type MemoryStore, type MemoryStoreOptions, memoryStore } from './memory-store.js';
export type { CacheEntry, CacheStore } from './store.js';
