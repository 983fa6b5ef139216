import type { RedisClientLike } from './client.js';
import type { RedisEvent } from './options.js';

/*
 * One outage state per client, shared by every helper on that client: whether Redis is
 * being skipped, since when, when the next probe may go, and who hears the changes.
 */

/** The outage state of one client. */
export interface Health {
  down: boolean;
  since: number;
  nextProbe: number;
  probing: boolean;
  listeners: Set<(event: RedisEvent) => void>;
}

/** Why a call failed. */
export type FailureReason = 'error' | 'timeout' | 'disconnected' | 'garbage';

const healthByClient = new WeakMap<RedisClientLike, Health>();

/** The client's outage state, created on first use. */
export function healthOf(client: RedisClientLike): Health {
  let health = healthByClient.get(client);
  if (!health) {
    health = { down: false, since: 0, nextProbe: 0, probing: false, listeners: new Set() };
    healthByClient.set(client, health);
  }
  return health;
}

/** Whether a call should be skipped now: degraded, and a probe is running or not yet due. */
export function skipping(health: Health): boolean {
  return health.down && (health.probing || Date.now() < health.nextProbe);
}

/** Records a failure: the next probe waits `retryMs`; the first failure of an outage says `redis:degraded`. */
export function markDown(health: Health, retryMs: number, operation: string, reason: FailureReason, message: string): void {
  const now = Date.now();
  health.nextProbe = now + retryMs;
  if (health.down) return;
  health.down = true;
  health.since = now;
  emit(health, { type: 'redis:degraded', operation, reason, message, at: now });
}

/** Records a success: ends an outage with one `redis:recovered`. */
export function markUp(health: Health, operation: string): void {
  if (!health.down) return;
  health.down = false;
  const now = Date.now();
  emit(health, { type: 'redis:recovered', operation, downMs: now - health.since, at: now });
}

function emit(health: Health, event: RedisEvent): void {
  for (const listener of health.listeners) {
    try {
      listener(event);
    } catch {
      // A listener's failure must not fail a request.
    }
  }
}
