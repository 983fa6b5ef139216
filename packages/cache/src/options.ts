import type { Context } from '@sluice/core';
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
