import { checkKeys, type OptionKeys } from '@sluice/core';
import type { CacheEntry, CacheStore } from './store.js';

/**
 * Options of {@link memoryStore}.
 *
 * @example
 * ```ts
 * const options: MemoryStoreOptions = { maxEntries: 500, maxBytes: 10 * 1024 * 1024 };
 * ```
 */
export interface MemoryStoreOptions {
  /** The most entries kept; the least recently used go first. Default 1 000. */
  maxEntries?: number;
  /** The most bytes of bodies (and headers) kept; the least recently used go first. Default 50 MiB. */
  maxBytes?: number;
}

/**
 * The memory store: a {@link CacheStore} whose calls are synchronous, with its current
 * size in entries and bytes.
 *
 * @example
 * ```ts
 * const store: MemoryStore = memoryStore();
 * console.log(store.size, store.bytes, store.get('GET https://api.example.com/config')?.status);
 * ```
 */
export interface MemoryStore extends CacheStore {
  /** The entry, marked as most recently used; `undefined` when absent. */
  get(key: string): CacheEntry | undefined;
  /** Stores the entry, evicting the least recently used ones beyond the bounds. */
  set(key: string, entry: CacheEntry): void;
  /** Drops the entry. */
  delete(key: string): void;
  /** Entries held. */
  readonly size: number;
  /** Bytes held (bodies, policies and URLs). */
  readonly bytes: number;
}

/**
 * A store in memory, bounded by entries and bytes, least recently used evicted first. An
 * entry larger than `maxBytes` is not kept at all.
 *
 * @example
 * ```ts
 * const store = memoryStore({ maxEntries: 200, maxBytes: 5 * 1024 * 1024 });
 * const client = createClient({ middleware: [{ middleware: cache({ store }), before: 'timeout.total' }] });
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  if (options === null || typeof options !== 'object') throw new TypeError(`memoryStore(): expected an options object, got ${options === null ? 'null' : typeof options}.`);
  checkKeys('memoryStore()', options, MEMORY_STORE_KEYS);
  const maxEntries = options.maxEntries ?? 1_000;
  const maxBytes = options.maxBytes ?? 50 * 1024 * 1024;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError(`memoryStore(): "maxEntries" must be an integer ≥ 1, got ${String(maxEntries)}.`);
  }
  if (typeof maxBytes !== 'number' || !Number.isFinite(maxBytes) || maxBytes < 1) {
    throw new TypeError(`memoryStore(): "maxBytes" must be a finite number of bytes ≥ 1, got ${String(maxBytes)}.`);
  }
  const entries = new Map<string, { entry: CacheEntry; size: number }>();
  let bytes = 0;
  const remove = (key: string) => {
    const held = entries.get(key);
    if (!held) return;
    entries.delete(key);
    bytes -= held.size;
  };
  return {
    get size() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
    get(key) {
      const held = entries.get(key);
      if (!held) return undefined;
      // Most recently used last.
      entries.delete(key);
      entries.set(key, held);
      return held.entry;
    },
    set(key, entry) {
      remove(key);
      const size = sizeOf(entry);
      if (size > maxBytes) return;
      entries.set(key, { entry, size });
      bytes += size;
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries && bytes <= maxBytes) break;
        remove(oldest);
      }
    },
    delete(key) {
      remove(key);
    },
  };
}

function sizeOf(entry: CacheEntry): number {
  return entry.body.byteLength + JSON.stringify(entry.policy).length + entry.url.length + 64;
}

const MEMORY_STORE_KEYS: OptionKeys<MemoryStoreOptions> = { maxEntries: true, maxBytes: true };
