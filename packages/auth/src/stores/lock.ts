/**
 * Runs one task at a time per name. `tokenAuth` refreshes inside it, so clients that share
 * a store never refresh the same token twice.
 *
 * @example
 * ```ts
 * const lock: TokenLock = inProcessLock;
 * await lock.run('my-token', async () => refresh());
 * ```
 */
export interface TokenLock {
  /**
   * Runs `task` once no other task holds `name`, and settles as it does; the lock is
   * released either way. A lock that waits (for another process, say) should stop waiting
   * when `options.signal` aborts and reject with its reason; one that never waits long
   * may ignore it.
   */
  run<T>(name: string, task: () => Promise<T>, options?: TokenLockRunOptions): Promise<T>;
}

/**
 * The caller's side of one {@link TokenLock.run}. `tokenAuth` passes the signal of the
 * refresh: it aborts once every request waiting for that refresh was aborted.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * const options: TokenLockRunOptions = { signal: controller.signal };
 * await inProcessLock.run('my-token', async () => 'refreshed', options);
 * ```
 */
export interface TokenLockRunOptions {
  /** Aborts the wait for the lock; the lock then rejects with `signal.reason` and never runs the task. */
  signal?: AbortSignal;
}

const queues = new Map<string, Promise<unknown>>();

/**
 * A lock shared by everything in this JavaScript realm (one Node process, one browser
 * tab). It does not reach other processes or tabs.
 *
 * @example
 * ```ts
 * tokenAuth(provider, { lock: inProcessLock, origins: ['https://api.example.com'] });
 * ```
 */
export const inProcessLock: TokenLock = {
  run<T>(name: string, task: () => Promise<T>): Promise<T> {
    const previous = queues.get(name) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    queues.set(name, tail);
    void tail.then(() => {
      if (queues.get(name) === tail) queues.delete(name);
    });
    return result;
  },
};

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

function lockManager(): LockManagerLike | undefined {
  const navigatorLike = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return typeof navigatorLike?.locks?.request === 'function' ? navigatorLike.locks : undefined;
}

/**
 * A lock over the Web Locks API (`navigator.locks`): shared by every tab and worker of
 * one origin in a browser. Throws a `TypeError` where the API does not exist.
 *
 * @example
 * ```ts
 * tokenAuth(provider, { lock: webLocksLock(), store: webStorageStore(localStorage), origins: [location.origin] });
 * ```
 */
export function webLocksLock(): TokenLock {
  const manager = lockManager();
  if (!manager) throw new TypeError('webLocksLock(): navigator.locks (the Web Locks API) is not available in this runtime; use inProcessLock.');
  return { run: (name, task) => manager.request(`sluice-auth:${name}`, task) };
}

/**
 * The default lock: {@link webLocksLock} when `navigator.locks` exists, else
 * {@link inProcessLock}.
 *
 * @example
 * ```ts
 * const lock = defaultTokenLock();
 * ```
 */
export function defaultTokenLock(): TokenLock {
  return lockManager() ? webLocksLock() : inProcessLock;
}
