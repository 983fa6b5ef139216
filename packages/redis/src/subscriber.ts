import type { RedisSubscriberLike } from './client.js';
import type { RedisLink } from './link.js';

/**
 * One channel being listened to by one waiter: {@link Listening.wait} ends at the next
 * message (or one that came since the last wait), after `ms`, or when `signal` aborts.
 */
export interface Listening {
  wait(ms: number, signal?: AbortSignal): Promise<void>;
  release(): void;
}

interface Listener {
  pending: boolean;
  wake: (() => void) | undefined;
}

/**
 * The lock's pub/sub side: one connection of its own (a `duplicate()` of the user's
 * client), opened when the first waiter listens and closed when the last one leaves. A
 * connection that cannot be opened within the bound leaves the waiters polling.
 */
export class Subscriber {
  private connection: Promise<RedisSubscriberLike | undefined> | undefined;
  private readonly channels = new Map<string, { listeners: Set<Listener>; ready: Promise<boolean> }>();
  private users = 0;

  constructor(private readonly link: RedisLink) {}

  /** Listens on `channel`; `undefined` when Redis pub/sub is unavailable (poll instead). */
  async listen(channel: string): Promise<Listening | undefined> {
    this.users++;
    const listener: Listener = { pending: false, wake: undefined };
    const release = () => this.leave(channel, listener);
    const connection = await this.connect();
    const subscribed = connection ? await this.join(connection, channel, listener) : false;
    if (!subscribed) {
      release();
      return undefined;
    }
    return { wait: (ms, signal) => waitFor(listener, ms, signal), release };
  }

  private connect(): Promise<RedisSubscriberLike | undefined> {
    this.connection ??= this.open();
    return this.connection;
  }

  private async open(): Promise<RedisSubscriberLike | undefined> {
    let connection: RedisSubscriberLike;
    try {
      connection = this.link.client.duplicate();
      connection.on('error', () => {
        // node-redis reconnects and resubscribes by itself; meanwhile waiters poll.
      });
    } catch {
      return undefined;
    }
    const opened = await within(connection.connect(), this.bound());
    if (!opened) {
      connection.destroy();
      return undefined;
    }
    return connection;
  }

  private join(connection: RedisSubscriberLike, channel: string, listener: Listener): Promise<boolean> {
    const joined = this.channels.get(channel);
    if (joined) {
      joined.listeners.add(listener);
      return joined.ready;
    }
    const listeners = new Set([listener]);
    const dispatch = () => {
      for (const each of listeners) {
        each.pending = true;
        each.wake?.();
      }
    };
    const ready = within(connection.subscribe(channel, dispatch), this.bound());
    const entry = { listeners, ready };
    this.channels.set(channel, entry);
    void ready.then((ok) => {
      if (!ok && this.channels.get(channel) === entry) this.channels.delete(channel);
    });
    return ready;
  }

  private leave(channel: string, listener: Listener): void {
    this.users--;
    const joined = this.channels.get(channel);
    const empty = joined?.listeners.delete(listener) === true && joined.listeners.size === 0;
    if (empty) this.channels.delete(channel);
    if (this.users > 0) {
      if (empty) void this.connection?.then((open) => open?.unsubscribe(channel)).catch(() => undefined);
      return;
    }
    const connection = this.connection;
    this.connection = undefined;
    this.channels.clear();
    void connection?.then((open) => open?.destroy());
  }

  /** Opening a connection is a few round trips: a few times one call's bound. */
  private bound(): number {
    return this.link.settings.timeoutMs * 4;
  }
}

function waitFor(listener: Listener, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (listener.pending || signal?.aborted) {
    listener.pending = false;
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      listener.wake = undefined;
      listener.pending = false;
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
    listener.wake = done;
  });
}

/** Whether `promise` fulfils within `ms` (a rejection or a late answer count as no). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => false), late]);
  } finally {
    clearTimeout(timer);
  }
}
