import type { Token } from '../token/token.js';
import type { TokenStore } from './token-store.js';

/**
 * The part of the Web Storage API (`localStorage`, `sessionStorage`) the store uses.
 *
 * @example
 * ```ts
 * const data = new Map<string, string>();
 * const storage: StorageLike = { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
 * ```
 */
export interface StorageLike {
  /** The value under `key`, or `null` when there is none (as `Storage.getItem`). */
  getItem(key: string): string | null;
  /** Stores `value` under `key` (as `Storage.setItem`; may throw when the quota is full). */
  setItem(key: string, value: string): void;
  /** Removes the value under `key` (as `Storage.removeItem`). */
  removeItem(key: string): void;
}

/**
 * Options of {@link webStorageStore}.
 *
 * @example
 * ```ts
 * const options: WebStorageStoreOptions = { prefix: 'my-app:' };
 * ```
 */
export interface WebStorageStoreOptions {
  /** Prepended to every key. Default `sluice:token:`. */
  prefix?: string;
}

/**
 * A {@link TokenStore} over `localStorage` or `sessionStorage` (browsers). Tokens are
 * saved as JSON; an unreadable entry counts as absent. Tabs of one origin share a
 * `localStorage` store; `tokenAuth` refreshes once across them with Web Locks.
 *
 * @example
 * ```ts
 * const store = webStorageStore(globalThis.localStorage);
 * ```
 */
export function webStorageStore(storage: StorageLike, options: WebStorageStoreOptions = {}): TokenStore {
  if (!storage || typeof storage.getItem !== 'function' || typeof storage.setItem !== 'function' || typeof storage.removeItem !== 'function') {
    throw new TypeError('webStorageStore(storage): storage must have getItem, setItem and removeItem (pass localStorage or sessionStorage).');
  }
  const prefix = options.prefix ?? 'sluice:token:';
  return {
    get(key) {
      const raw = storage.getItem(prefix + key);
      if (raw === null) return undefined;
      try {
        const parsed = JSON.parse(raw) as Token;
        return typeof parsed?.accessToken === 'string' ? parsed : undefined;
      } catch {
        return undefined;
      }
    },
    set(key, token) {
      storage.setItem(prefix + key, JSON.stringify(token));
    },
    delete(key) {
      storage.removeItem(prefix + key);
    },
  };
}
