import type { AnnouncedQuota } from './announced-quota.js';

/**
 * The per-origin ledger of an announced quota: how many requests are left in the
 * server's window and when the window resets, counted locally between responses.
 *
 * - Every admitted attempt takes one request from `remaining`; at 0 the origin is held
 *   until `resetAt`, then one probe goes out and its response opens the next window.
 * - What is left is the fewest `remaining` a response of the window announced, minus the
 *   admitted attempts still unanswered (each may use one more request). Responses come
 *   back out of order; the lowest announcement is the latest the server counted.
 * - Resets in whole seconds are rounded (up, by most servers) or whole epoch seconds.
 *   The reset of a window is placed at the send time of the first request seen in it plus
 *   the window length (the policy's `w`, else the announced reset rounded down to whole
 *   seconds), kept within the announced bounds: a fixed window of 1 s announcing
 *   `reset: 1` is not waited for up to 2 s.
 */
export interface QuotaLedger {
  limit: number | undefined;
  windowMs: number | undefined;
  /** The fewest requests left that a response of the current window announced. */
  floor: number;
  /** Admitted attempts not answered yet (seq → admission time): each may still use a request. */
  outstanding: Map<number, number>;
  /** When the current window ends, on the gate's clock. */
  resetAt: number;
  /** A probe went out after the reset: its answer opens the next window. */
  expectFresh: boolean;
  /**
   * What the server's quota turned out to be: a fixed `window` (an exhausted quota stays
   * exhausted until the reset), a `bucket` that refills as it goes (the ledger then holds
   * nothing and the adaptive rate paces), or not known yet.
   */
  kind: 'unknown' | 'window' | 'bucket';
  /** When the server itself announced 0 left (or refused) in this window: the early probe may then go. */
  exhaustedAt: number | undefined;
  /** The early probe sent while the quota was used up, to tell a window from a bucket. */
  earlyProbe: number | undefined;
  /**
   * The server's refill rate in requests per ms, once known: the policy's `q / w`, or, from
   * a precise reset (the time until the bucket is full), the lowest `(limit − remaining) /
   * reset` seen. A `bucket` with a known rate is paced by the ledger at that rate.
   */
  rate: number | undefined;
  /** A paced bucket's tokens as the ledger counts them (the server's, less what is in flight), at `tokensAt`. */
  tokens: number;
  tokensAt: number;
  /** The most requests the server has shown it can take at once: the highest `remaining` announced, plus one. */
  peak: number;
  /** A paced bucket's smoothed round trip (ms): attempts younger than half of it have not reached the server yet. */
  rtt: number;
}

/** What the gate knows about the attempt a response answers. */
export interface SentTicket {
  /** The origin's admission count when the attempt was admitted. */
  seq: number;
  /** When it was admitted, on the gate's clock. */
  at: number;
}

/** Added to a reset before the next window is probed: the server's timer must have fired. */
const RESET_MARGIN_MS = 5;
/** How long after a quota is used up the early probe goes (when the hold is longer). */
const EARLY_PROBE_MS = 100;
/** The most tokens a paced bucket keeps in reserve (see `reserveOf`). */
const RESERVE_MAX = 3;
/** The early probe waits until the server would have refilled this many requests. */
const PROBE_TOKENS = 3;
/** Admitted attempts never answered (aborted, lost) stop counting after this. */
const FORGET_MS = 30_000;

/** Whether the ledger paces the origin itself: a refilling bucket whose rate is known. */
export function quotaPaces(ledger: QuotaLedger | undefined): ledger is QuotaLedger & { rate: number } {
  return ledger !== undefined && ledger.kind === 'bucket' && ledger.rate !== undefined;
}

/** A paced bucket's size: the most it has shown it holds. */
function sizeOf(ledger: QuotaLedger): number {
  return Math.max(1, Math.min(ledger.peak, ledger.limit ?? ledger.peak));
}

/**
 * Tokens a paced bucket keeps in reserve: requests sent evenly reach the server unevenly
 * (a timer that fires late, a busy event loop on either side), and a bucket kept at 0
 * refuses the one that arrives early. A reserve of a quarter of its size (at most 3) costs
 * those few tokens once, not throughput: the server's refill still sets the pace.
 */
function reserveOf(ledger: QuotaLedger): number {
  return Math.min(RESERVE_MAX, (sizeOf(ledger) - 1) / 4);
}

/**
 * A paced bucket's tokens now, refilled at its rate up to its size less the attempts still on
 * their way to the server: after a pause (an idle spell, a busy event loop) the server's
 * bucket is full, but those attempts take from it before the next ones arrive.
 */
function refill(ledger: QuotaLedger & { rate: number }, now: number): number {
  const size = sizeOf(ledger);
  if (now > ledger.tokensAt) ledger.tokens += (now - ledger.tokensAt) * ledger.rate;
  ledger.tokensAt = Math.max(ledger.tokensAt, now);
  if (ledger.tokens > size - ledger.outstanding.size) ledger.tokens = Math.min(ledger.tokens, size - onTheirWay(ledger, now));
  return ledger.tokens;
}

/** Smooths a paced bucket's round trip (a real admission's: tickets start at 1). */
function learnRoundTrip(ledger: QuotaLedger, sample: number): void {
  ledger.rtt = ledger.rtt === 0 ? sample : 0.8 * ledger.rtt + 0.2 * sample;
}

/** Attempts sent less than half a round trip ago: not at the server yet. */
function onTheirWay(ledger: QuotaLedger, now: number): number {
  const since = now - ledger.rtt / 2;
  let count = 0;
  for (const at of ledger.outstanding.values()) if (at > since) count++;
  return count;
}

/** Requests the ledger still lets out in the current window. */
export function quotaRemaining(ledger: QuotaLedger): number {
  return ledger.floor - ledger.outstanding.size;
}

/** 0 when the ledger lets one more request out now, else the ms until its window resets. */
export function quotaWait(ledger: QuotaLedger | undefined, now: number): number {
  if (quotaPaces(ledger)) {
    const tokens = refill(ledger, now);
    const needed = 1 + reserveOf(ledger);
    return tokens >= needed ? 0 : Math.max(1, Math.ceil((needed - tokens) / ledger.rate));
  }
  if (!ledger || ledger.kind === 'bucket' || quotaRemaining(ledger) > 0) return 0;
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

/** Counts one admitted attempt (call after {@link quotaWait} returned 0). */
export function quotaTake(ledger: QuotaLedger | undefined, now: number, seq: number): void {
  if (!ledger) return;
  if (quotaPaces(ledger)) {
    refill(ledger, now);
    ledger.tokens -= 1;
    ledger.outstanding.set(seq, now);
    return;
  }
  if (ledger.kind === 'bucket') return;
  if (quotaRemaining(ledger) <= 0 && now < ledger.resetAt + RESET_MARGIN_MS) {
    ledger.earlyProbe ??= seq; // let through by quotaWait: the once-per-origin early probe
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
  if (ledger && ticket && ticket.seq === ledger.earlyProbe && ledger.kind === 'unknown') {
    const jump = (quota.remaining ?? 0) - ledger.floor;
    if (refused || quota.remaining === 0) ledger.kind = 'window';
    else if (jump < Math.max(2, (ledger.limit ?? 0) / 2)) {
      ledger.kind = 'bucket'; // refilled inside the window
      ledger.tokens = (quota.remaining ?? 0) - ledger.outstanding.size;
      ledger.tokensAt = now;
    }
  }
  if (ledger && quota.limit !== undefined) ledger.limit = quota.limit;
  if (ledger && quota.windowMs !== undefined) ledger.windowMs = quota.windowMs;
  const remaining = quota.remaining;
  if (remaining === undefined) return ledger;
  if (ledger) learnRate(ledger, quota);
  if (ledger && quotaPaces(ledger)) {
    if (ticket && ticket.seq > 0) learnRoundTrip(ledger, Math.min(FORGET_MS, Math.max(0, now - ticket.at)));
    refill(ledger, now);
    ledger.tokens = Math.min(ledger.tokens, serverTokens(ledger, remaining, ticket, now, refused));
    return ledger;
  }
  const sentAt = Math.min(now, ticket?.at ?? now);
  const upper = quota.resetMs === undefined ? undefined : now + quota.resetMs;
  if (!ledger) {
    const windowMs = quota.windowMs;
    const resetAt = windowReset(sentAt, now, upper, windowMs, quota.resetPrecise) ?? now + (windowMs ?? 1000);
    // The attempts admitted after this one, before any ledger existed, are still out.
    const outstanding = new Map<number, number>();
    for (let seq = (ticket?.seq ?? sent) + 1; seq <= sent; seq++) outstanding.set(seq, now);
    const exhaustedAt = remaining === 0 || refused ? now : undefined;
    const created: QuotaLedger = {
      limit: quota.limit,
      windowMs,
      floor: remaining,
      outstanding,
      resetAt,
      expectFresh: false,
      kind: 'unknown',
      exhaustedAt,
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
  prune(ledger, now);
  // Responses arrive out of order, so `remaining` wobbles up by a few; a new window shows
  // as a jump of half the limit, as the answer to the probe, or after the reset.
  const jump = remaining - ledger.floor;
  const fresh = ledger.expectFresh || now >= ledger.resetAt || jump >= Math.max(2, (ledger.limit ?? 0) / 2);
  if (fresh) {
    ledger.exhaustedAt = remaining === 0 || refused ? now : undefined;
    ledger.floor = remaining;
    ledger.resetAt = windowReset(sentAt, now, upper, ledger.windowMs, quota.resetPrecise) ?? now + (ledger.windowMs ?? 1000);
    ledger.expectFresh = false;
    return ledger;
  }
  ledger.floor = Math.min(ledger.floor, remaining);
  if (remaining === 0 || refused) ledger.exhaustedAt ??= now;
  // A reset given to the millisecond is the server's latest word; a rounded one only narrows.
  if (upper !== undefined && (upper < ledger.resetAt || quota.resetPrecise)) ledger.resetAt = upper;
  return ledger;
}

/**
 * A paced bucket's tokens now, as one answer tells them: the whole tokens the server had left
 * when it answered (about halfway between the send and the answer), refilled since, less the
 * attempts sent after this one and still unanswered (the server had not counted them yet).
 * The result only ever lowers the ledger's count, which the known rate refills.
 */
function serverTokens(ledger: QuotaLedger & { rate: number }, remaining: number, ticket: SentTicket | undefined, now: number, refused: boolean): number {
  let later = 0;
  for (const seq of ledger.outstanding.keys()) if (ticket === undefined || seq > ticket.seq) later++;
  const since = ticket === undefined ? 0 : Math.max(0, now - ticket.at) / 2;
  return (refused ? 0 : remaining) + since * ledger.rate - later;
}

/** What an announcement says of the server's refill rate and of its size (see {@link QuotaLedger.rate}). */
function learnRate(ledger: QuotaLedger, quota: AnnouncedQuota): void {
  const { remaining, limit, resetMs } = quota;
  if (remaining === undefined) return;
  ledger.peak = Math.max(ledger.peak, remaining + 1);
  if (limit === undefined) return;
  if (ledger.windowMs !== undefined && ledger.windowMs > 0) {
    ledger.rate = limit / ledger.windowMs;
    return;
  }
  // A precise reset is the time until the bucket is full: (limit − tokens) / rate. The whole
  // tokens announced are at most the real ones, so each reading is high; the lowest is closest.
  if (quota.resetPrecise && resetMs !== undefined && resetMs > 0 && limit > remaining) {
    const rate = (limit - remaining) / resetMs;
    ledger.rate = Math.min(ledger.rate ?? rate, rate);
  }
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
