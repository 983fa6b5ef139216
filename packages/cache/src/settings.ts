import { checkKeys, type Context, CredentialWatch, type OptionKeys } from '@sluice/core';
import type CachePolicy from 'http-cache-semantics';
import { memoryStore } from './memory-store.js';
import { defaultCacheKey } from './policy-io.js';
import type { CacheStore } from './store.js';

/**
 * How a response was served: `hit` (fresh from the store), `stale` (from the store while a
 * background revalidation runs, `stale-while-revalidate`), `revalidated` (the server said
 * 304: the stored body), `miss` (from the network).
 *
 * @example
 * ```ts
 * const onEvent = (event: SluiceEvent) => {
 *   if (event.type === 'cache' && event.status === 'hit') hits++;
 * };
 * ```
 */
export type CacheStatus = 'hit' | 'stale' | 'revalidated' | 'miss';

declare module '@sluice/core' {
  interface SluiceEvents {
    /** The cache middleware served a GET: see {@link CacheStatus}. */
    cache: { status: CacheStatus };
  }
}

/**
 * Options of {@link cache}.
 *
 * @example
 * ```ts
 * const options: CacheOptions = { store: memoryStore({ maxEntries: 100 }), shared: false };
 * ```
 */
export interface CacheOptions {
  /** Where entries are kept. Default `memoryStore()` (1 000 entries, 50 MiB). */
  store?: CacheStore;
  /**
   * `true` evaluates responses as a shared cache does (`private` is not stored, `s-maxage`
   * counts, a response to a request with credentials is stored only when `public`,
   * `s-maxage` or `must-revalidate` allow it). Default `false`: a private, single-user cache.
   */
  shared?: boolean;
  /**
   * Set it when an inner middleware (the client's `auth`) adds credentials the cache cannot
   * see: a shared cache then applies the rules for requests with credentials.
   */
  authenticated?: boolean;
  /** Fraction of a response's age used as its lifetime when it has validators but no max-age. Default 0.1 (the library's). */
  cacheHeuristic?: number;
  /** The largest body stored, in bytes; a larger one is passed through and not kept. Default 10 MiB. */
  maxBodyBytes?: number;
  /**
   * The entry key. Default: `GET <url>` split by a digest of the credential headers and of
   * the credential the auth inside will attach (asked before the request is sent).
   */
  key?: (request: Request, context: Context) => string | Promise<string>;
}

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
