/**
 * One stored response: the cache policy (a plain, serialisable object from
 * `http-cache-semantics`), the status and URL, and the whole body.
 *
 * @example
 * ```ts
 * const store: CacheStore = memoryStore();
 * const entry: CacheEntry | undefined = await store.get('GET https://api.example.com/users');
 * ```
 */
export interface CacheEntry {
  /** The cache policy as `http-cache-semantics`' `toObject()` gives it: plain, serialisable, opaque. */
  policy: Readonly<Record<string, unknown>>;
  /** The response's status. */
  status: number;
  /** The response's status text. */
  statusText: string;
  /** The URL the response came from (after redirects). */
  url: string;
  /** The whole body. */
  body: Uint8Array;
}

/**
 * Where the cache keeps its entries. Each method may be synchronous or return a promise,
 * so a store can sit on Redis, IndexedDB or a file. A store that throws makes a lookup a
 * miss and a write a no-op; the request itself never fails because of the store.
 *
 * @example
 * ```ts
 * const entries = new Map<string, CacheEntry>();
 * const mapStore: CacheStore = {
 *   get: (key) => entries.get(key),
 *   set: (key, entry) => void entries.set(key, entry),
 *   delete: (key) => void entries.delete(key),
 * };
 * ```
 */
export interface CacheStore {
  /** The entry under `key`, or `undefined`. */
  get(key: string): CacheEntry | undefined | Promise<CacheEntry | undefined>;
  /** Stores `entry` under `key`, replacing any. */
  set(key: string, entry: CacheEntry): void | Promise<void>;
  /** Drops the entry under `key`. */
  delete(key: string): void | Promise<void>;
}
