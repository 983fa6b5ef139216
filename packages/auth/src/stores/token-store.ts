import type { Token } from '../token/token.js';

/**
 * Where tokens are kept between requests. All methods may be async. Share one store (and
 * one key) between clients to share their tokens: `tokenAuth` then refreshes once for all
 * of them in this process (or browser, with Web Locks).
 *
 * @example
 * ```ts
 * const store: TokenStore = memoryStore();
 * await store.set('key', { accessToken: 'abc' });
 * ```
 */
export interface TokenStore {
  /** The token kept under `key`, or `undefined` when there is none. Expired tokens may be returned: `tokenAuth` checks `expiresAt`. */
  get(key: string): Token | undefined | Promise<Token | undefined>;
  /** Keeps `token` under `key`, replacing the one there. */
  set(key: string, token: Token): void | Promise<void>;
  /** Forgets the token under `key`; deleting a missing key is not an error. */
  delete(key: string): void | Promise<void>;
}

/**
 * The default store: a `Map` in memory, private to whoever holds it.
 *
 * @example
 * ```ts
 * const shared = memoryStore();
 * const a = tokenAuth(clientCredentials(config), { store: shared, origins: ['https://api.example.com'] });
 * const b = tokenAuth(clientCredentials(config), { store: shared, origins: ['https://api.example.com'] });
 * ```
 */
export function memoryStore(): TokenStore {
  const tokens = new Map<string, Token>();
  return {
    get: (key) => tokens.get(key),
    set: (key, token) => {
      tokens.set(key, token);
    },
    delete: (key) => {
      tokens.delete(key);
    },
  };
}
