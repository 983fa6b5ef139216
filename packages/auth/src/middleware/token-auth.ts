import type { Context } from '@sluice/core';
import { defaultTokenLock, type TokenLock } from '../stores/lock.js';
import { memoryStore, type TokenStore } from '../stores/token-store.js';
import { refreshable } from '../token/challenge.js';
import { authorizationValue, type Token, type TokenProvider } from '../token/token.js';
import { type RefreshWaited, TokenManager } from '../token/token-manager.js';
import { type AuthMiddleware, type AuthMiddlewareOptions, createAuthMiddleware } from './auth-middleware.js';
import { addSecrets, checkKeys, checkNumber, type OptionKeys } from '@sluice/core';
import { AUTH_KEYS } from './option-keys.js';

declare module '@sluice/core' {
  interface SluiceEvents {
    /** A request waited `waitedMs` for a token refresh (its own or one it joined): the token had `expired`, or the server `rejected` it (401). */
    tokenRefresh: { reason: 'expired' | 'rejected'; waitedMs: number; ok: boolean };
  }
}

/**
 * Options of {@link tokenAuth}.
 *
 * @example
 * ```ts
 * const options: TokenAuthOptions = { origins: ['https://api.example.com'], skewMs: 60_000, store: memoryStore() };
 * ```
 */
export interface TokenAuthOptions extends AuthMiddlewareOptions {
  /** Refresh this long before `expiresAt`. Default 30 000 ms. */
  skewMs?: number;
  /** Where tokens live. Default: a private in-memory store. Share one to share tokens. */
  store?: TokenStore;
  /** The store key. Default: the provider's `key`, else one private to this middleware. */
  key?: string;
  /** Serialises refreshes of one key. Default: Web Locks when `navigator.locks` exists, else an in-process lock. */
  lock?: TokenLock;
  /** The token call's own timeout. Default 30 000 ms. */
  tokenTimeoutMs?: number;
  /** The clock for expiry checks (epoch ms). Default `Date.now()`, looked up per call. */
  clock?: () => number;
}

/**
 * The auth middleware {@link tokenAuth} returns: an {@link AuthMiddleware} with counters.
 *
 * @example
 * ```ts
 * const auth: TokenAuthMiddleware = tokenAuth(staticToken('t'), { origins: ['https://api.example.com'] });
 * console.log(auth.stats().tokenCalls);
 * ```
 */
export interface TokenAuthMiddleware extends AuthMiddleware {
  /** How many times the provider was asked for a token (`getToken` or `refresh`). */
  stats(): {
    /** Calls to the provider's `getToken` and `refresh` so far. */
    tokenCalls: number;
  };
}

let privateKeys = 0;

/**
 * Sends `Authorization: Bearer <token>` with a token from `provider`, cached in a store.
 *
 * - Refreshes `skewMs` (30 s) before `expiresAt` (from `expires_in`, or a JWT's `exp`).
 * - On a 401 whose `WWW-Authenticate` is `Bearer error="invalid_token"` (or absent),
 *   refreshes and replays the request once; never on `insufficient_scope` or a 403.
 * - Single flight: concurrent 401s cause one refresh; a 401 for a token already replaced
 *   replays with the current one; requests that start during a refresh wait for it.
 * - A second 401 after the replay is an `UnauthorizedError`; so is a 401 with a
 *   provider that cannot give a new token ({@link staticToken}).
 * - Token calls use the terminal fetch (never the pipeline) with their own timeout; a
 *   failure is an `AuthError` for every waiter, and the next request tries again.
 *
 * @example
 * ```ts
 * const auth = tokenAuth(
 *   clientCredentials({ tokenUrl: 'https://auth.example.com/oauth/token', clientId: 'id', clientSecret: 'secret' }),
 *   { origins: ['https://api.example.com'] },
 * );
 * ```
 */
export function tokenAuth(provider: TokenProvider, options: TokenAuthOptions = {}): TokenAuthMiddleware {
  if (!provider || typeof provider.getToken !== 'function') {
    throw new TypeError('tokenAuth(provider): provider must have a getToken() function (and optionally refresh()).');
  }
  if (provider.refresh !== undefined && typeof provider.refresh !== 'function') {
    throw new TypeError(`tokenAuth(provider): provider.refresh must be a function, got ${typeof provider.refresh}.`);
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`tokenAuth(provider, options): options must be an object, got ${options === null ? 'null' : typeof options}.`);
  }
  checkKeys('tokenAuth(provider, options)', options, TOKEN_AUTH_KEYS);
  const skewMs = nonNegative(options.skewMs, 30_000, 'skewMs');
  const timeoutMs = timerMs(options.tokenTimeoutMs, 30_000, 'tokenTimeoutMs');
  if (options.store !== undefined && (typeof options.store.get !== 'function' || typeof options.store.set !== 'function' || typeof options.store.delete !== 'function')) {
    throw new TypeError('tokenAuth: "store" must have get, set and delete functions.');
  }
  if (options.key !== undefined && (typeof options.key !== 'string' || options.key === '')) {
    throw new TypeError('tokenAuth: "key" must be a non-empty string.');
  }
  if (options.lock !== undefined && typeof options.lock?.run !== 'function') {
    throw new TypeError('tokenAuth: "lock" must have a run(name, task) function (see inProcessLock, webLocksLock).');
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new TypeError(`tokenAuth: "clock" must be a function returning epoch ms, got ${typeof options.clock}.`);
  }
  const key = options.key ?? provider.key ?? `private:${++privateKeys}:${globalThis.crypto.randomUUID()}`;
  const manager = new TokenManager({
    provider,
    store: options.store ?? memoryStore(),
    key,
    lock: options.lock ?? defaultTokenLock(),
    skewMs,
    timeoutMs,
    clock: options.clock ?? (() => Date.now()),
  });
  const middleware = createAuthMiddleware(
    {
      // Every request gets the token stored under `key`: that names the credential (for dedupe and cache).
      credentialIdentity: () => `token:${key}`,
      async attach({ headers }, context, env) {
        const token = await manager.current(env.fetch, context.signal, refreshEvent(context, 'expired'));
        const value = authorizationValue(token);
        addSecrets(context, token.accessToken, value);
        headers.set('authorization', value);
        return token;
      },
      async recover(response, attached, context, env) {
        if (!refreshable(response.headers.get('www-authenticate'))) return { action: 'pass' };
        const rejected = attached as Token;
        const next = await manager.replacement(rejected, env.fetch, context.signal, refreshEvent(context, 'rejected'));
        if (next.accessToken === rejected.accessToken) {
          return { action: 'fail', note: 'the token provider has no new token to try (a static token is never refreshed)' };
        }
        return { action: 'replay' };
      },
    },
    options,
  );
  return withStats(middleware, manager);
}

/** Emits a `tokenRefresh` event on the request that waited for a refresh. */
function refreshEvent(context: Context, reason: 'expired' | 'rejected'): RefreshWaited {
  return (waitedMs, ok) => context.emit({ type: 'tokenRefresh', reason, waitedMs, ok });
}

function withStats(middleware: AuthMiddleware, manager: TokenManager): TokenAuthMiddleware {
  return {
    ...middleware,
    bind: (binding) => withStats(middleware.bind(binding), manager),
    stats: () => ({ tokenCalls: manager.calls }),
  };
}

function nonNegative(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  return checkNumber('tokenAuth', what, value);
}

/** setTimeout's longest delay: a longer one would fire after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** A timer length: more than 0 (a 0 ms token call can never succeed) and at most 2³¹−1 ms. */
function timerMs(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  return checkNumber('tokenAuth', what, value, { unit: 'ms', above: true, max: MAX_TIMER_MS, maxReason: 'the longest timer' });
}

// Object.assign, not a spread: a pure-annotated call is dropped from an app that never uses it (a spread is not).
const TOKEN_AUTH_KEYS: OptionKeys<TokenAuthOptions> = /* @__PURE__ */ Object.assign({}, AUTH_KEYS, {
  skewMs: true, store: true, key: true, lock: true, tokenTimeoutMs: true, clock: true,
} as const);
