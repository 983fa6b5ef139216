import { AuthError, type FetchLike, SluiceError } from '@sluice/core';
import type { TokenLock } from '../stores/lock.js';
import type { TokenStore } from '../stores/token-store.js';
import { isExpiring, normalizeToken, type Token, type TokenProvider, type TokenRequestContext } from './token.js';

/** What a {@link TokenManager} is made of. */
export interface TokenManagerOptions {
  provider: TokenProvider;
  store: TokenStore;
  key: string;
  lock: TokenLock;
  skewMs: number;
  timeoutMs: number;
  clock: () => number;
}

/** Told how long a request waited for a token refresh (its own or one it joined), and whether it got a token. */
export type RefreshWaited = (waitedMs: number, ok: boolean) => void;

/** One refresh in flight: who waits for it, and how to call it off. */
interface Flight {
  readonly promise: Promise<Token>;
  readonly controller: AbortController;
  waiters: number;
  settled: boolean;
}

/**
 * Keeps one token fresh for any number of concurrent requests: a single refresh in
 * flight at a time (joined by everyone who needs it), re-checked under a lock against the
 * shared store so clients sharing the store refresh once. When every request waiting
 * for a refresh has aborted, the refresh is aborted too (its token call and timer end).
 */
export class TokenManager {
  private flight: Flight | undefined;
  /** How many times the provider was asked for a token (for tests and stats). */
  calls = 0;

  constructor(private readonly options: TokenManagerOptions) {}

  /** A usable token: waits for a running refresh, else reads the store, else refreshes. */
  async current(fetch: FetchLike, signal: AbortSignal, onWaited?: RefreshWaited): Promise<Token> {
    if (this.flight) return this.wait(this.flight, signal, onWaited);
    const stored = await this.options.store.get(this.options.key);
    if (stored && !this.expiring(stored)) return stored;
    return this.wait(this.renew(stored, fetch), signal, onWaited);
  }

  /**
   * The token to replay with after `rejected` got a 401: the current one when it was
   * already replaced, else a refreshed one (single flight).
   */
  async replacement(rejected: Token, fetch: FetchLike, signal: AbortSignal, onWaited?: RefreshWaited): Promise<Token> {
    if (this.flight) return this.wait(this.flight, signal, onWaited);
    const stored = await this.options.store.get(this.options.key);
    if (stored && stored.accessToken !== rejected.accessToken && !this.expiring(stored)) return stored;
    return this.wait(this.renew(rejected, fetch), signal, onWaited);
  }

  private expiring(token: Token): boolean {
    return isExpiring(token, this.options.skewMs, this.options.clock());
  }

  /** Waits for `flight` until `signal` aborts; the last waiter to leave early aborts the refresh. */
  private async wait(flight: Flight, signal: AbortSignal, onWaited?: RefreshWaited): Promise<Token> {
    flight.waiters++;
    const started = performance.now();
    let ok = false;
    try {
      const token = await untilAborted(flight.promise, signal);
      ok = true;
      return token;
    } finally {
      onWaited?.(performance.now() - started, ok);
      flight.waiters--;
      if (flight.waiters === 0 && !flight.settled) this.abandon(flight);
    }
  }

  private abandon(flight: Flight): void {
    if (this.flight === flight) this.flight = undefined;
    flight.controller.abort(new AuthError('The token refresh was abandoned: every request waiting for it was aborted.'));
  }

  private renew(stale: Token | undefined, fetch: FetchLike): Flight {
    if (this.flight) return this.flight;
    const { lock, key } = this.options;
    const controller = new AbortController();
    const promise = lock.run(key, () => this.refreshUnderLock(stale, fetch, controller), { signal: controller.signal });
    const flight: Flight = { promise, controller, waiters: 0, settled: false };
    this.flight = flight;
    const done = () => {
      flight.settled = true;
      if (this.flight === flight) this.flight = undefined;
    };
    promise.then(done, done);
    return flight;
  }

  private async refreshUnderLock(stale: Token | undefined, fetch: FetchLike, controller: AbortController): Promise<Token> {
    if (controller.signal.aborted) throw controller.signal.reason;
    const { provider, store, key, timeoutMs } = this.options;
    const latest = await store.get(key);
    if (latest && latest.accessToken !== stale?.accessToken && !this.expiring(latest)) return latest;
    if (controller.signal.aborted) throw controller.signal.reason;
    const timer = setTimeout(
      () => controller.abort(new AuthError(`The token provider did not answer within ${timeoutMs} ms.`)),
      timeoutMs,
    );
    const context: TokenRequestContext = { fetch, signal: controller.signal };
    try {
      this.calls++;
      const first = latest === undefined && stale === undefined;
      const pending = first || !provider.refresh ? provider.getToken(context) : provider.refresh(latest ?? stale, context);
      const raw = await untilAborted(Promise.resolve(pending), controller.signal);
      const normalized = normalizeToken(raw);
      // When it was obtained: with its expiry, its lifetime, which bounds the refresh skew.
      const token = normalized.issuedAt === undefined ? { ...normalized, issuedAt: this.options.clock() } : normalized;
      await store.set(key, token);
      return token;
    } catch (error) {
      if (error instanceof SluiceError) throw error;
      if (controller.signal.aborted && controller.signal.reason instanceof AuthError) throw controller.signal.reason;
      throw new AuthError(`The token provider failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Resolves like `promise`, but rejects at once with `signal.reason` when `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
