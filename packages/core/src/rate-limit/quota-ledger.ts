import { bucketLearn, bucketTake, bucketWait, learnRate } from './quota-bucket.js';
import { type AnnouncedQuota, type QuotaLedger, quotaPaces, type SentTicket } from './quota-state.js';
import { createLedger, windowLearn, windowTake, windowWait } from './quota-window.js';

/*
 * Internal: the per-origin ledger of an announced quota, as the gate uses it (see
 * {@link QuotaLedger} for how it counts). A quota is counted as a window (quota-window.ts)
 * until its early probe shows a bucket that refills; a bucket whose rate is known is paced
 * by the ledger itself (quota-bucket.ts).
 */

export type { QuotaLedger, SentTicket };
export { quotaPaces, quotaRemaining } from './quota-state.js';

/** 0 when the ledger lets one more request out now, else the ms until its window resets. */
export function quotaWait(ledger: QuotaLedger | undefined, now: number): number {
  if (quotaPaces(ledger)) return bucketWait(ledger, now);
  return ledger ? windowWait(ledger, now) : 0;
}

/** Counts one admitted attempt (call after {@link quotaWait} returned 0). */
export function quotaTake(ledger: QuotaLedger | undefined, now: number, seq: number): void {
  if (quotaPaces(ledger)) bucketTake(ledger, now, seq);
  else if (ledger) windowTake(ledger, now, seq);
}

/** An admitted attempt that got no response (aborted, network error): it no longer counts. */
export function quotaForget(ledger: QuotaLedger | undefined, ticket: SentTicket | undefined): void {
  if (ledger && ticket) ledger.outstanding.delete(ticket.seq);
}

/**
 * Folds one announcement into the ledger (creating it), for the attempt `ticket`; `sent`
 * is the origin's admission count now.
 * Returns `undefined` when there is no ledger and the announcement says nothing about
 * what is left.
 */
export function quotaLearn(
  ledger: QuotaLedger | undefined,
  quota: AnnouncedQuota,
  ticket: SentTicket | undefined,
  now: number,
  sent = ticket?.seq ?? 0,
  refused = false,
): QuotaLedger | undefined {
  quotaForget(ledger, ticket);
  if (ledger && ticket && ticket.seq === ledger.earlyProbe && ledger.kind === 'unknown') readEarlyProbe(ledger, quota, now, refused);
  if (ledger && quota.limit !== undefined) ledger.limit = quota.limit;
  if (ledger && quota.windowMs !== undefined) ledger.windowMs = quota.windowMs;
  const remaining = quota.remaining;
  if (remaining === undefined) return ledger;
  if (ledger) learnRate(ledger, quota);
  if (ledger && quotaPaces(ledger)) {
    bucketLearn(ledger, remaining, ticket, now, refused);
    return ledger;
  }
  if (!ledger) return createLedger(quota, remaining, ticket, now, sent, refused);
  windowLearn(ledger, quota, remaining, ticket, now, refused);
  return ledger;
}

/**
 * The answer to the early probe tells the quota's kind: refused (or 0 left), a fixed
 * window; a count that did not jump to a fresh window, a bucket that refilled inside it.
 */
function readEarlyProbe(ledger: QuotaLedger, quota: AnnouncedQuota, now: number, refused: boolean): void {
  const jump = (quota.remaining ?? 0) - ledger.floor;
  if (refused || quota.remaining === 0) ledger.kind = 'window';
  else if (jump < Math.max(2, (ledger.limit ?? 0) / 2)) {
    ledger.kind = 'bucket'; // refilled inside the window
    ledger.tokens = (quota.remaining ?? 0) - ledger.outstanding.size;
    ledger.tokensAt = now;
  }
}
