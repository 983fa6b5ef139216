/**
 * The part of a node-redis client (`createClient()` from `redis`, v6) that Sluice uses.
 * Pass your own connected client; Sluice never connects or closes it. Only the lock and
 * the rate gate open a connection of their own ({@link RedisClientLike.duplicate}) to
 * listen on pub/sub.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import type { RedisClientLike } from '@sluice/redis';
 *
 * const redis = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const client: RedisClientLike = redis;
 * ```
 */
export interface RedisClientLike {
  /** Runs one raw command (`['GET', key]`). `abortSignal` drops it while it is still queued. */
  sendCommand(args: string[], options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  /**
   * A new client with the same options, `overrides` on top, not yet connected (the
   * subscribers of the lock and of the rate gate; the gate's never reconnects nor pings
   * by itself, so that no timer of node-redis keeps the process alive).
   */
  duplicate(overrides?: { socket?: object; pingInterval?: undefined }): RedisSubscriberLike;
  /** `false` while the client is disconnected: Sluice then skips Redis at once. */
  readonly isReady?: boolean;
  /** The options the client was created with (the rate gate's subscriber keeps its `socket` ones). */
  readonly options?:
    | {
        /** The client's socket options (host, port, TLS...), copied onto the gate's subscriber. */
        readonly socket?: object;
      }
    | undefined;
}

/**
 * The subscriber connection the lock and the rate gate open with {@link RedisClientLike.duplicate}.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import type { RedisSubscriberLike } from '@sluice/redis';
 *
 * const subscriber: RedisSubscriberLike = createClient().duplicate();
 * ```
 */
export interface RedisSubscriberLike {
  /** Opens the connection. */
  connect(): Promise<unknown>;
  /** Subscribes to `channel`; `listener` gets each message published on it. */
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  /** Stops listening to `channel`. */
  unsubscribe(channel: string): Promise<unknown>;
  /** Closes the connection at once, dropping pending commands. */
  destroy(): void;
  /** Listens for connection errors, so that one never goes unhandled. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Lets the process exit while this connection is open (the rate gate's subscription). */
  unref?(): void;
  /** `false` once the connection is closed for good (it will not reconnect by itself). */
  readonly isOpen?: boolean;
}

/**
 * A subscriber for the rate gate that cannot keep the process alive: `unref()`ed, and
 * neither reconnecting nor pinging by itself (node-redis's timers for both are not
 * `unref()`ed); its owner reopens it when it closes.
 */
export function unrefSubscriber(client: RedisClientLike): RedisSubscriberLike {
  const connection = client.duplicate({ socket: { ...client.options?.socket, reconnectStrategy: false }, pingInterval: undefined });
  connection.unref?.();
  return connection;
}

/** Checks the `redis` argument of the public functions. */
export function checkClient(redis: unknown, where: string): asserts redis is RedisClientLike {
  const candidate = redis as Partial<RedisClientLike> | null | undefined;
  if (!candidate || typeof candidate.sendCommand !== 'function' || typeof candidate.duplicate !== 'function') {
    throw new TypeError(`${where}: "redis" must be a node-redis client (createClient() from 'redis', connected), got ${describe(redis)}.`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return 'an object without sendCommand() and duplicate()';
}
