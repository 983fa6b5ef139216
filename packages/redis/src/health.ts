import type { RedisClientLike } from './client.js';
import { checkKeys, checkNumber, type OptionKeys } from '@sluice/core';

/** The longest delay setTimeout honours (2³¹−1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * What `onEvent` hears: one `redis:degraded` when Redis stops answering well (an error, a
 * call slower than `timeoutMs`, a disconnected client, or a reply Sluice cannot read), and
 * one `redis:recovered` when a call succeeds again. Between the two, Sluice works as a
 * single process would; requests never fail because of Redis.
 *
 * @example
 * ```ts
 * const onEvent = (event: RedisEvent) => {
 *   if (event.type === 'redis:degraded') console.warn(`Redis degraded (${event.reason}): ${event.message}`);
 *   else console.info(`Redis back after ${event.downMs} ms`);
 * };
 * ```
 */
export type RedisEvent =
  | {
      /** Redis stopped answering well. */
      type: 'redis:degraded';
      /** The operation that failed first, e.g. `token-store.get`. */
      operation: string;
      /** Why: a Redis error, a call slower than `timeoutMs`, a disconnected client, or a reply Sluice cannot read. */
      reason: 'error' | 'timeout' | 'disconnected' | 'garbage';
      /** A log-ready description of the failure. */
      message: string;
      /** Epoch ms. */
      at: number;
    }
  | {
      /** A call succeeded again. */
      type: 'redis:recovered';
      /** The operation that succeeded. */
      operation: string;
      /** How long Redis was degraded, in milliseconds. */
      downMs: number;
      /** Epoch ms. */
      at: number;
    };

/**
 * Options every `@sluice/redis` helper takes.
 *
 * @example
 * ```ts
 * const options: RedisSharedOptions = { prefix: 'billing:', timeoutMs: 50, onEvent: (event) => console.warn(event) };
 * ```
 */
export interface RedisSharedOptions {
  /** Prepended to every key and channel. Default `sluice:`. */
  prefix?: string;
  /** The longest one Redis call may take before Sluice goes on without it. Default 50 ms. */
  timeoutMs?: number;
  /** While Redis is degraded, try it again after this long (calls in between skip it). Default 1 000 ms. */
  retryMs?: number;
  /** Hears `redis:degraded` (once per outage) and `redis:recovered`. A listener that throws is ignored. */
  onEvent?: (event: RedisEvent) => void;
}

/** The result of one bounded call: the parsed reply, or a failure (already reported). */
export type Outcome<T> = { ok: true; value: T } | { ok: false };

/** A parser's answer for a reply it cannot read. */
export const GARBAGE: unique symbol = Symbol('garbage');

const FAILED: Outcome<never> = { ok: false };

/** One outage state per client, shared by every helper on that client. */
interface Health {
  down: boolean;
  since: number;
  nextProbe: number;
  probing: boolean;
  listeners: Set<(event: RedisEvent) => void>;
}

const healthByClient = new WeakMap<RedisClientLike, Health>();

function healthOf(client: RedisClientLike): Health {
  let health = healthByClient.get(client);
  if (!health) {
    health = { down: false, since: 0, nextProbe: 0, probing: false, listeners: new Set() };
    healthByClient.set(client, health);
  }
  return health;
}

/** Settled options of {@link RedisLink}. */
export interface LinkSettings {
  prefix: string;
  timeoutMs: number;
  retryMs: number;
}

/**
 * Runs bounded Redis calls for one helper and keeps the client's outage state: at most
 * `timeoutMs` per call; while degraded, calls are skipped until `retryMs` has passed,
 * then one probe goes through.
 */
export class RedisLink {
  readonly settings: LinkSettings;
  private readonly health: Health;

  constructor(
    readonly client: RedisClientLike,
    options: RedisSharedOptions,
    where: string,
  ) {
    this.settings = settle(options, where);
    this.health = healthOf(client);
    if (options.onEvent) this.health.listeners.add(options.onEvent);
  }

  /** Whether the last call failed and Redis is being skipped. */
  get degraded(): boolean {
    return this.health.down;
  }

  key(...parts: string[]): string {
    return this.settings.prefix + parts.join(':');
  }

  /**
   * Sends `args`, bounded by `timeoutMs`; `parse` turns the reply into a value or
   * {@link GARBAGE}. `onLate` hears a reply that came after the bound (to undo it).
   *
   * A readable reply that comes after the bound still proves that Redis answers: it ends
   * the outage its own timeout (or another call's failure) began, with one
   * `redis:recovered`, so a Redis that was only slow for a moment is used again at once
   * instead of after `retryMs` and the next probe.
   */
  async run<T>(operation: string, args: string[], parse: (reply: unknown) => T | typeof GARBAGE, onLate?: (reply: unknown) => void): Promise<Outcome<T>> {
    const health = this.health;
    if (health.down && (health.probing || Date.now() < health.nextProbe)) return FAILED;
    if (this.client.isReady === false) return this.fail(operation, 'disconnected', 'the Redis client is not connected');
    const probe = health.down;
    if (probe) health.probing = true;
    try {
      const settled = await this.bounded(args, (late) => {
        onLate?.(late);
        if (parse(late) !== GARBAGE) this.succeed(operation);
      });
      if ('timeout' in settled) return this.fail(operation, 'timeout', `no answer within ${this.settings.timeoutMs} ms`);
      if ('error' in settled) return this.fail(operation, 'error', messageOf(settled.error));
      const value = parse(settled.reply);
      if (value === GARBAGE) return this.fail(operation, 'garbage', `unreadable reply ${preview(settled.reply)}`);
      this.succeed(operation);
      return { ok: true, value };
    } finally {
      if (probe) health.probing = false;
    }
  }

  private async bounded(args: string[], onLate: (reply: unknown) => void): Promise<{ reply: unknown } | { error: unknown } | { timeout: true }> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<{ timeout: true }>((resolve) => {
      // The verdict waits for the I/O phase after the timer: a reply that arrived while this
      // process was busy (event-loop lag, not a slow Redis) still wins.
      timer = setTimeout(
        () =>
          setImmediate(() => {
            controller.abort();
            resolve({ timeout: true });
          }),
        this.settings.timeoutMs,
      );
    });
    let pending: Promise<{ reply: unknown } | { error: unknown }>;
    try {
      pending = this.client.sendCommand(args, { abortSignal: controller.signal }).then(
        (reply) => ({ reply }),
        (error: unknown) => ({ error }),
      );
    } catch (error) {
      pending = Promise.resolve({ error });
    }
    try {
      const settled = await Promise.race([pending, timeout]);
      if ('timeout' in settled) void pending.then((late) => 'reply' in late && onLate(late.reply));
      return settled;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reports a reply that came by another way (pub/sub) and could not be read. */
  garbage(operation: string, message: string): void {
    this.fail(operation, 'garbage', message);
  }

  private fail(operation: string, reason: 'error' | 'timeout' | 'disconnected' | 'garbage', message: string): Outcome<never> {
    const health = this.health;
    const now = Date.now();
    health.nextProbe = now + this.settings.retryMs;
    if (!health.down) {
      health.down = true;
      health.since = now;
      this.emit({ type: 'redis:degraded', operation, reason, message, at: now });
    }
    return FAILED;
  }

  private succeed(operation: string): void {
    const health = this.health;
    if (!health.down) return;
    health.down = false;
    const now = Date.now();
    this.emit({ type: 'redis:recovered', operation, downMs: now - health.since, at: now });
  }

  private emit(event: RedisEvent): void {
    for (const listener of this.health.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not fail a request.
      }
    }
  }
}

function settle(options: RedisSharedOptions, where: string): LinkSettings {
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object, got ${options === null ? 'null' : typeof options}.`);
  const prefix = options.prefix ?? 'sluice:';
  if (typeof prefix !== 'string') throw new TypeError(`${where}: "prefix" must be a string, got ${typeof prefix}.`);
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
    throw new TypeError(`${where}: "onEvent" must be a function, got ${typeof options.onEvent}.`);
  }
  return {
    prefix,
    timeoutMs: positive(options.timeoutMs, 50, 'timeoutMs', where),
    retryMs: positive(options.retryMs, 1000, 'retryMs', where),
  };
}

/** A finite number of ms > 0 that a timer can hold (≤ 2³¹−1), or `fallback` when absent; a clear `TypeError` otherwise. */
export function positive(value: number | undefined, fallback: number, what: string, where: string): number {
  if (value === undefined) return fallback;
  return checkNumber(where, what, value, { above: true, max: MAX_TIMER_MS, maxReason: 'the longest timer' });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Describes a reply without its content (it may hold a token). */
function preview(reply: unknown): string {
  if (typeof reply === 'string') return `(a string of ${reply.length} characters)`;
  if (Array.isArray(reply)) return `(an array of ${reply.length})`;
  return `(${reply === null ? 'null' : typeof reply})`;
}

/** The keys every Redis factory takes. */
export const SHARED_KEYS: OptionKeys<RedisSharedOptions> = { prefix: true, timeoutMs: true, retryMs: true, onEvent: true };

/** Refuses an unknown option key of a Redis factory, naming the closest known one (non-objects are left to `settle`). */
export function checkRedisKeys(where: string, options: unknown, known: Readonly<Record<string, true>>): void {
  if (options !== null && typeof options === 'object') checkKeys(where, options, known);
}
