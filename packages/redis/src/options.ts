import { checkKeys, checkNumber, type OptionKeys } from '@sluice/core';

/*
 * The options every `@sluice/redis` helper shares, what `onEvent` hears, and their checks.
 */

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

/** Settled options of a `RedisLink`. */
export interface LinkSettings {
  prefix: string;
  timeoutMs: number;
  retryMs: number;
}

/** Checks the shared options and fills in their defaults. */
export function settle(options: RedisSharedOptions, where: string): LinkSettings {
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

/** The keys every Redis factory takes. */
export const SHARED_KEYS: OptionKeys<RedisSharedOptions> = { prefix: true, timeoutMs: true, retryMs: true, onEvent: true };

/** Refuses an unknown option key of a Redis factory, naming the closest known one (non-objects are left to `settle`). */
export function checkRedisKeys(where: string, options: unknown, known: Readonly<Record<string, true>>): void {
  if (options !== null && typeof options === 'object') checkKeys(where, options, known);
}
