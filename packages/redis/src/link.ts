import { boundedCall } from './bounded-call.js';
import type { RedisClientLike } from './client.js';
import { type LinkSettings, type RedisSharedOptions, settle } from './options.js';
import { type FailureReason, type Health, healthOf, markDown, markUp, skipping } from './outage.js';

/** The result of one bounded call: the parsed reply, or a failure (already reported). */
export type Outcome<T> = { ok: true; value: T } | { ok: false };

/** A parser's answer for a reply it cannot read. */
export const GARBAGE: unique symbol = Symbol('garbage');

const FAILED: Outcome<never> = { ok: false };

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
    if (skipping(health)) return FAILED;
    if (this.client.isReady === false) return this.fail(operation, 'disconnected', 'the Redis client is not connected');
    const probe = health.down;
    if (probe) health.probing = true;
    try {
      const settled = await boundedCall(this.client, args, this.settings.timeoutMs, (late) => {
        onLate?.(late);
        if (parse(late) !== GARBAGE) markUp(health, operation);
      });
      if ('timeout' in settled) return this.fail(operation, 'timeout', `no answer within ${this.settings.timeoutMs} ms`);
      if ('error' in settled) return this.fail(operation, 'error', messageOf(settled.error));
      const value = parse(settled.reply);
      if (value === GARBAGE) return this.fail(operation, 'garbage', `unreadable reply ${preview(settled.reply)}`);
      markUp(health, operation);
      return { ok: true, value };
    } finally {
      if (probe) health.probing = false;
    }
  }

  /** Reports a reply that came by another way (pub/sub) and could not be read. */
  garbage(operation: string, message: string): void {
    this.fail(operation, 'garbage', message);
  }

  private fail(operation: string, reason: FailureReason, message: string): Outcome<never> {
    markDown(this.health, this.settings.retryMs, operation, reason, message);
    return FAILED;
  }
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
