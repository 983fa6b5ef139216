import type { AnnouncedQuota } from './announced-quota.js';

/**
 * The per-origin ledger of an announced quota: how many requests are left in the
 * server's window and when the window resets, counted locally between responses.
 *
 * - Every admitted attempt takes one request from `remaining`; at 0 the origin is held
 *   until `resetAt`, then a fresh window of `limit` is assumed.
 * - A response that announces `remaining` R corrects the count: R minus the attempts
 *   admitted after the one it answers (they were not counted by the server yet).
 * - Resets in whole seconds are rounded (up, by most servers) or whole epoch seconds.
 *   The reset of a window is placed at the send time of the first request seen in it plus
 *   the window length (the policy's `w`, else the announced reset rounded down to whole
 *   seconds), kept within the announced bounds: a fixed window of 1 s announcing
 *   `reset: 1` is not waited for up to 2 s.
 */
export interface QuotaLedger {
  limit: number | undefined;
  windowMs: number | undefined;
  remaining: number;
  /** When the current window ends, on the gate's clock. */
  resetAt: number;
  /** The `remaining` of the last announcement, to tell a new window (it jumps up). */
  lastAnnounced: number;
}

/** What the gate knows about the attempt a response answers. */
export interface SentTicket {
  /** The origin's admission count when the attempt was admitted. */
  seq: number;
  /** When it was admitted, on the gate's clock. */
  at: number;
}

/** Added to a reset before a fresh window is assumed: the server's timer must have fired. */
const RESET_MARGIN_MS = 5;

/** 0 when the ledger lets one more request out now, else the ms until its window resets. */
export function quotaWait(ledger: QuotaLedger | undefined, now: number): number {
  if (!ledger || ledger.remaining > 0) return 0;
  const opensAt = ledger.resetAt + RESET_MARGIN_MS;
  return now >= opensAt ? 0 : opensAt - now;
}

/** Counts one admitted request (call after {@link quotaWait} returned 0). */
export function quotaTake(ledger: QuotaLedger | undefined, now: number): void {
  if (!ledger) return;
  if (ledger.remaining <= 0) {
    // The window has reset: assume a full one until a response says otherwise.
    ledger.remaining = ledger.limit ?? 1;
    ledger.resetAt = now + (ledger.windowMs ?? 1000);
    ledger.lastAnnounced = -1;
  }
  ledger.remaining--;
}

/**
 * Folds one announcement into the ledger (creating it), given the attempts admitted
 * since the answered one (`ahead`) and when that attempt was admitted (`sentAt`).
 * Returns `undefined` when the announcement says nothing about what is left.
 */
export function quotaLearn(
  ledger: QuotaLedger | undefined,
  quota: AnnouncedQuota,
  ticket: SentTicket | undefined,
  ahead: number,
  now: number,
): QuotaLedger | undefined {
  if (quota.remaining === undefined) {
    if (ledger && quota.limit !== undefined) ledger.limit = quota.limit;
    return ledger;
  }
  const sentAt = Math.min(now, ticket?.at ?? now);
  const estimate = Math.max(0, quota.remaining - ahead);
  const upper = quota.resetMs === undefined ? undefined : now + quota.resetMs;
  const fresh = !ledger || quota.remaining > ledger.lastAnnounced;
  const limit = quota.limit ?? ledger?.limit;
  const windowMs = quota.windowMs ?? ledger?.windowMs;
  if (!ledger || fresh) {
    const resetAt = windowReset(sentAt, upper, windowMs, quota.resetPrecise) ?? ledger?.resetAt ?? now + (windowMs ?? 1000);
    const next: QuotaLedger = { limit, windowMs, remaining: estimate, resetAt, lastAnnounced: quota.remaining };
    if (ledger) Object.assign(ledger, next);
    return ledger ?? next;
  }
  ledger.limit = limit;
  ledger.windowMs = windowMs;
  ledger.remaining = Math.min(ledger.remaining, estimate);
  if (upper !== undefined && upper < ledger.resetAt) ledger.resetAt = upper;
  ledger.lastAnnounced = quota.remaining;
  return ledger;
}

/** Where the window that `sentAt` opened ends, within the announced upper bound. */
function windowReset(sentAt: number, upper: number | undefined, windowMs: number | undefined, precise: boolean): number | undefined {
  if (upper === undefined) return windowMs === undefined ? undefined : sentAt + windowMs;
  if (precise) return upper;
  const span = windowMs ?? Math.floor((upper - sentAt) / 1000) * 1000;
  if (span <= 0) return upper;
  return Math.min(upper, Math.max(upper - 1000, sentAt + span));
}

/** Whether the ledger holds the origin now (no request left, window not reset). */
export function quotaHolds(ledger: QuotaLedger | undefined, now: number): boolean {
  return quotaWait(ledger, now) > 0;
}
