import { checkKeys, type Context, CredentialWatch, type OptionKeys } from '@sluice/core';
import type CachePolicy from 'http-cache-semantics';
import { memoryStore } from './memory-store.js';
import { defaultCacheKey } from './policy-io.js';
import type { CacheOptions } from './options.js';
import type { CacheStore } from './store.js';

export interface Settings {
  store: CacheStore;
  /** The entry key; `undefined` when the request's credential cannot be told (neither looked up nor stored). */
  key: (request: Request, context: Context) => Promise<string | undefined>;
  /** What the cache knows of its chain's auth. */
  watch: CredentialWatch;
  authenticated: boolean;
  maxBodyBytes: number;
  policyOptions: CachePolicy.Options;
  /** Writes in progress: a lookup of the same key waits for them. */
  pending: Map<string, Promise<void>>;
  /** Background revalidations in progress (one per key). */
  refreshing: Set<string>;
}

/** Checks the options of cache() and resolves its settings. */
export function resolve(options: CacheOptions): Settings {
  if (options === null || typeof options !== 'object') throw new TypeError(`cache(): expected an options object, got ${String(options)}.`);
  checkKeys('cache()', options, CACHE_KEYS);
  for (const name of ['shared', 'authenticated'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') {
      throw new TypeError(`cache(): "${name}" must be true or false, got ${typeof options[name]}.`);
    }
  }
  const store = options.store ?? memoryStore();
  if (typeof store?.get !== 'function' || typeof store.set !== 'function' || typeof store.delete !== 'function') {
    throw new TypeError('cache(): "store" must have get, set and delete methods (see memoryStore()).');
  }
  if (options.key !== undefined && typeof options.key !== 'function') {
    throw new TypeError(`cache(): "key" must be a function (request, context) => string, got ${typeof options.key}.`);
  }
  const heuristic = options.cacheHeuristic;
  if (heuristic !== undefined && (typeof heuristic !== 'number' || !(heuristic >= 0 && heuristic <= 1))) {
    throw new TypeError(`cache(): "cacheHeuristic" must be a fraction from 0 to 1, got ${String(heuristic)}.`);
  }
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  if (typeof maxBodyBytes !== 'number' || !Number.isFinite(maxBodyBytes) || maxBodyBytes < 0) {
    throw new TypeError(`cache(): "maxBodyBytes" must be a finite number of bytes ≥ 0, got ${String(maxBodyBytes)}.`);
  }
  const watch = new CredentialWatch();
  const userKey = options.key;
  return {
    store,
    key: userKey
      ? async (request, context) => {
          const key = await userKey(request, context);
          if (typeof key !== 'string') throw new TypeError(`cache(): the "key" function must return a string, got ${typeof key}.`);
          return key;
        }
      : (request, context) => defaultCacheKey(request, context, watch),
    watch,
    authenticated: options.authenticated === true,
    maxBodyBytes,
    policyOptions: { shared: options.shared === true, ...(heuristic === undefined ? {} : { cacheHeuristic: heuristic }) },
    pending: new Map(),
    refreshing: new Set(),
  };
}

const CACHE_KEYS: OptionKeys<CacheOptions> = { store: true, shared: true, authenticated: true, cacheHeuristic: true, maxBodyBytes: true, key: true };
