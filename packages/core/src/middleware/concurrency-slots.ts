import type { Context } from '../types/index.js';
import { QueueFullError } from '../errors.js';
import { heldTimeout, pastDeadline } from '../rate-limit/admission.js';
import type { ConcurrencyStats } from './concurrency-options.js';

/*
 * Internal: the concurrency middleware's slots, one FIFO semaphore per key.
 */

interface Waiter {
  grant(): void;
  /** Whether the waiter's total deadline has passed (it must not be dispatched). */
  expired(): boolean;
  /** Settles the waiter with its TimeoutError. */
  expire(): void;
}

/** One key's slots in use and its waiters. */
export interface Group {
  inFlight: number;
  /** FIFO: a Set keeps insertion order and removes an aborted waiter in O(1). */
  readonly queue: Set<Waiter>;
}

/**
 * The groups of one concurrency middleware. A group is dropped when it has nothing in
 * flight and nobody waiting, except the one group of a middleware without `key`, which
 * is kept (a request then allocates no group).
 */
export class SlotTable {
  readonly #groups = new Map<string, Group>();
  readonly #limit: number;
  readonly #maxQueue: number;
  readonly #keyed: boolean;

  constructor(limit: number, maxQueue: number, keyed: boolean) {
    this.#limit = limit;
    this.#maxQueue = maxQueue;
    this.#keyed = keyed;
  }

  group(name: string): Group {
    let group = this.#groups.get(name);
    if (!group) {
      group = { inFlight: 0, queue: new Set() };
      this.#groups.set(name, group);
    }
    return group;
  }

  /** Takes a free slot of `name` at once, or `undefined` (no group is made for a request that will wait). */
  tryTake(name: string): Group | undefined {
    const found = this.#groups.get(name);
    if (found && found.inFlight >= this.#limit) return undefined; // the limit is at least 1
    const group = found ?? this.group(name);
    group.inFlight++;
    return group;
  }

  /** Frees one slot: hands it to the oldest waiter still within its deadline, or drops the count. */
  release(name: string, group: Group): void {
    for (const waiter of group.queue) {
      group.queue.delete(waiter);
      if (waiter.expired()) {
        waiter.expire();
        continue;
      }
      waiter.grant();
      return;
    }
    group.inFlight--;
    this.#dropIfIdle(name, group);
  }

  /** Takes a slot now, or returns the promise of one (FIFO); throws when the queue is full. */
  acquire(name: string, group: Group, context: Context): Promise<void> | undefined {
    if (group.inFlight < this.#limit) {
      group.inFlight++;
      return undefined;
    }
    if (group.queue.size >= this.#maxQueue) {
      const label = this.#keyed ? ` for key "${name}"` : '';
      throw new QueueFullError(
        `Concurrency queue is full${label}: ${group.inFlight} of ${this.#limit} slots in use and ${group.queue.size} of maxQueue ${this.#maxQueue} requests waiting.`,
      );
    }
    const signal = context.signal;
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        group.queue.delete(waiter);
        if (group.inFlight === 0) this.#dropIfIdle(name, group);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        grant() {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        expired: () => pastDeadline(context),
        expire() {
          signal.removeEventListener('abort', onAbort);
          reject(heldTimeout(context, 'queue'));
        },
      };
      group.queue.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  stats(name?: string): ConcurrencyStats {
    if (name !== undefined) {
      const group = this.#groups.get(name);
      return { inFlight: group?.inFlight ?? 0, queued: group?.queue.size ?? 0 };
    }
    let inFlight = 0;
    let queued = 0;
    for (const group of this.#groups.values()) {
      inFlight += group.inFlight;
      queued += group.queue.size;
    }
    return { inFlight, queued };
  }

  #dropIfIdle(name: string, group: Group): void {
    if (this.#keyed && group.inFlight === 0 && group.queue.size === 0 && this.#groups.get(name) === group) this.#groups.delete(name);
  }
}
