import { learnRate } from './quota-bucket.js';
import { type AnnouncedQuota, FORGET_MS, type QuotaLedger, quotaRemaining, type SentTicket } from './quota-state.js';

/*
 * Internal: a quota counted as a window (fixed, or not known yet): what is left until the
 * window resets, the probe after the reset, and the once-per-origin early probe that tells
 * a fixed window from a bucket that refills.
 */

/** Added to a reset before the next window is probed: the server's timer must have fired. */
const RESET_MARGIN_MS = 5;
/** How long after a quota is used up the early probe goes (when the hold is longer). */
const EARLY_PROBE_MS = 100;
/** The early probe waits until the server would have refilled this many requests. */
const PROBE_TOKENS = 3;

/** 0 when the window lets one more request out now, else the ms until it resets (or until the early probe). */
export function windowWait(ledger: QuotaLedger, now: number): number {
  if (ledger.kind === 'bucket' || quotaRemaining(ledger) > 0) return 0;
  const opensAt = ledger.resetAt + RESET_MARGIN_MS;
  if (now >= opensAt) return 0;
  // Once per origin, when the server itself said 0 left and the hold is long, one probe
  // goes out early: a fixed window refuses it, a bucket that refills (its announced reset
  // rounded up to a second) answers it. It goes after three requests' worth of the known
  // rate (a policy's `q` per `w` fits a bucket's refill and a window alike), else 100 ms.
  if (ledger.kind === 'unknown' && ledger.earlyProbe === undefined && ledger.exhaustedAt !== undefined) {
    const after = ledger.rate === undefined ? EARLY_PROBE_MS : Math.min(EARLY_PROBE_MS, Math.ceil(PROBE_TOKENS / ledger.rate));
    const probeAt = ledger.exhaustedAt + Math.min(after, (opensAt - ledger.exhaustedAt) / 4);
    if (now >= probeAt && opensAt - now > after) return 0; // only when it comes well before the reset
    return Math.min(opensAt, probeAt) - now;
  }
  return opensAt - now;
}

/** Counts one admitted attempt `seq` against the window. */
export function windowTake(ledger: QuotaLedger, now: number, seq: number): void {
  if (ledger.kind === 'bucket') return;
  if (quotaRemaining(ledger) <= 0 && now < ledger.resetAt + RESET_MARGIN_MS) {
    ledger.earlyProbe ??= seq; // let through by windowWait: the once-per-origin early probe
    ledger.outstanding.set(seq, now);
    return;
  }
  if (quotaRemaining(ledger) <= 0) {
    // The window should have reset: send one probe, and let its response (a fresh window,
    // or not yet) say how many may follow. Assuming a full window and being early by a
    // few ms would send a whole herd into the old one.
    ledger.floor = ledger.outstanding.size + 1;
    ledger.resetAt = now + (ledger.windowMs ?? 1000);
    ledger.expectFresh = true;
  }
  ledger.outstanding.set(seq, now);
}

/** The ledger that a first announcement of what is left opens; `sent` is the origin's admission count now. */
export function createLedger(quota: AnnouncedQuota, remaining: number, ticket: SentTicket | undefined, now: number, sent: number, refused: boolean): QuotaLedger {
  const windowMs = quota.windowMs;
  // The attempts admitted after this one, before any ledger existed, are still out.
  const outstanding = new Map<number, number>();
  for (let seq = (ticket?.seq ?? sent) + 1; seq <= sent; seq++) outstanding.set(seq, now);
  const created: QuotaLedger = {
    limit: quota.limit,
    windowMs,
    floor: remaining,
    outstanding,
    resetAt: resetFor(quota, ticket, now, windowMs),
    expectFresh: false,
    kind: 'unknown',
    exhaustedAt: remaining === 0 || refused ? now : undefined,
    earlyProbe: undefined,
    rate: undefined,
    tokens: 0,
    tokensAt: now,
    peak: 1,
    rtt: 0,
  };
  learnRate(created, quota);
  return created;
}

/** Folds the answer to `ticket`, announcing `remaining`, into a window ledger: a fresh window, or a lower count in the current one. */
export function windowLearn(ledger: QuotaLedger, quota: AnnouncedQuota, remaining: number, ticket: SentTicket | undefined, now: number, refused: boolean): void {
  prune(ledger, now);
  // Responses arrive out of order, so `remaining` wobbles up by a few; a new window shows
  // as a jump of half the limit, as the answer to the probe, or after the reset.
  const jump = remaining - ledger.floor;
  const fresh = ledger.expectFresh || now >= ledger.resetAt || jump >= Math.max(2, (ledger.limit ?? 0) / 2);
  if (fresh) {
    ledger.exhaustedAt = remaining === 0 || refused ? now : undefined;
    ledger.floor = remaining;
    ledger.resetAt = resetFor(quota, ticket, now, ledger.windowMs);
    ledger.expectFresh = false;
    return;
  }
  ledger.floor = Math.min(ledger.floor, remaining);
  if (remaining === 0 || refused) ledger.exhaustedAt ??= now;
  // A reset given to the millisecond is the server's latest word; a rounded one only narrows.
  const upper = quota.resetMs === undefined ? undefined : now + quota.resetMs;
  if (upper !== undefined && (upper < ledger.resetAt || quota.resetPrecise)) ledger.resetAt = upper;
}

/** Where the window that the answer to `ticket` opened ends (see `windowReset`), else one window (or a second) from now. */
function resetFor(quota: AnnouncedQuota, ticket: SentTicket | undefined, now: number, windowMs: number | undefined): number {
  const upper = quota.resetMs === undefined ? undefined : now + quota.resetMs;
  return windowReset(Math.min(now, ticket?.at ?? now), now, upper, windowMs, quota.resetPrecise) ?? now + (windowMs ?? 1000);
}

function prune(ledger: QuotaLedger, now: number): void {
  for (const [seq, at] of ledger.outstanding) {
    if (at > now - FORGET_MS) return; // oldest first
    ledger.outstanding.delete(seq);
  }
}

/**
 * Where the window that the answered attempt opened ends: it opened after the attempt was
 * sent (`sentAt`) and before its answer came (`now`), so it ends by `now` plus the window
 * length (the policy's `w`, else the announced reset rounded down to whole seconds), and
 * never after the announced upper bound. Never early: a probe sent early would meet a 429.
 */
function windowReset(sentAt: number, now: number, upper: number | undefined, windowMs: number | undefined, precise: boolean): number | undefined {
  if (upper === undefined) return windowMs === undefined ? undefined : now + windowMs;
  if (precise) return upper;
  const span = windowMs ?? Math.floor((upper - sentAt) / 1000) * 1000;
  if (span <= 0) return upper;
  return Math.min(upper, Math.max(upper - 1000, now + span));
}
