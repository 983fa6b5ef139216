/**
 * The seam through which rate gates share what they learn about an origin: closures and
 * announced quotas. A gate publishes synchronously and never awaits the store; it applies
 * what others publish when it arrives. The in-memory store shares state between the gates
 * of one process; a Redis store (`@sluice/redis`) shares it between processes.
 */

/**
 * One thing a gate learnt about an origin. Times are epoch milliseconds.
 *
 * @example
 * ```ts
 * const update: SchedulerStateUpdate = { source: 'worker-1', origin: 'https://api.example.com', closedUntil: Date.now() + 5_000 };
 * ```
 */
export interface SchedulerStateUpdate {
  /** The publishing gate's id, so that a gate ignores its own updates. */
  source: string;
  /** The origin the state is about, e.g. `'https://api.example.com'`. */
  origin: string;
  /** The origin is closed until then (a 429 / 503 with a server delay). */
  closedUntil?: number;
  /** The announced quota as the publisher last counted it. */
  quota?: {
    /** The quota's size per window, when announced. */
    limit?: number;
    /** The window's length in milliseconds, when announced. */
    windowMs?: number;
    /** Requests left in the current window. */
    remaining: number;
    /** When the current window ends, in epoch milliseconds. */
    resetAt: number;
  };
}

/**
 * Where gates publish and read per-origin scheduler state. Both methods must return at
 * once: `publish` queues the write (a network store sends it in the background and drops
 * it on failure), and `subscribe` delivers updates from other gates as they arrive.
 *
 * @example
 * ```ts
 * import { createRateGate, type SchedulerStateStore, type SchedulerStateUpdate } from '@sluice/core';
 *
 * const listeners = new Set<(update: SchedulerStateUpdate) => void>();
 * const loggingStore: SchedulerStateStore = {
 *   publish(update) {
 *     console.log('learnt', update);
 *     for (const listener of listeners) listener(update);
 *   },
 *   subscribe(listener) {
 *     listeners.add(listener);
 *     return () => listeners.delete(listener);
 *   },
 * };
 * const gate = createRateGate({ store: loggingStore });
 * ```
 */
export interface SchedulerStateStore {
  /** Shares an update; returns at once. */
  publish(update: SchedulerStateUpdate): void;
  /** Delivers every update published by others (and, harmlessly, one's own); returns the unsubscribe function. */
  subscribe(listener: (update: SchedulerStateUpdate) => void): () => void;
}

/**
 * The in-memory store: gates given the same store share closures and quotas at once.
 *
 * @example
 * ```ts
 * import { createMemorySchedulerStore, createRateGate } from '@sluice/core';
 *
 * const store = createMemorySchedulerStore();
 * const a = createRateGate({ store });
 * const b = createRateGate({ store }); // a 429 closing an origin in `a` closes it in `b`
 * ```
 */
export function createMemorySchedulerStore(): SchedulerStateStore {
  const listeners = new Set<(update: SchedulerStateUpdate) => void>();
  return {
    publish(update) {
      for (const listener of listeners) {
        try {
          listener(update);
        } catch {
          // one gate's failure must not stop the others
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
