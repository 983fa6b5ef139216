import type { AnnouncedQuota, QuotaLedger, SentTicket } from './quota-state.js';
import { FORGET_MS } from './quota-state.js';

/*
 * Internal: a quota that turned out to be a refilling bucket whose rate is known. The
 * ledger then paces the origin itself, at the server's rate, and keeps a few tokens in
 * reserve.
 */

/** A paced ledger. */
export type PacedLedger = QuotaLedger & { rate: number };

/** The most tokens a paced bucket keeps in reserve (see `reserveOf`). */
const RESERVE_MAX = 3;

/** 0 when the paced bucket lets one more request out now, else the ms until it refills enough. */
export function bucketWait(ledger: PacedLedger, now: number): number {
  const tokens = refill(ledger, now);
  const needed = 1 + reserveOf(ledger);
  return tokens >= needed ? 0 : Math.max(1, Math.ceil((needed - tokens) / ledger.rate));
}

/** Takes one token for the admitted attempt `seq`. */
export function bucketTake(ledger: PacedLedger, now: number, seq: number): void {
  refill(ledger, now);
  ledger.tokens -= 1;
  ledger.outstanding.set(seq, now);
}

/** Folds an answer announcing `remaining` into a paced bucket's count. */
export function bucketLearn(ledger: PacedLedger, remaining: number, ticket: SentTicket | undefined, now: number, refused: boolean): void {
  if (ticket && ticket.seq > 0) learnRoundTrip(ledger, Math.min(FORGET_MS, Math.max(0, now - ticket.at)));
  refill(ledger, now);
  ledger.tokens = Math.min(ledger.tokens, serverTokens(ledger, remaining, ticket, now, refused));
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
function refill(ledger: PacedLedger, now: number): number {
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

/**
 * A paced bucket's tokens now, as one answer tells them: the whole tokens the server had left
 * when it answered (about halfway between the send and the answer), refilled since, less the
 * attempts sent after this one and still unanswered (the server had not counted them yet).
 * The result only ever lowers the ledger's count, which the known rate refills.
 */
function serverTokens(ledger: PacedLedger, remaining: number, ticket: SentTicket | undefined, now: number, refused: boolean): number {
  let later = 0;
  for (const seq of ledger.outstanding.keys()) if (ticket === undefined || seq > ticket.seq) later++;
  const since = ticket === undefined ? 0 : Math.max(0, now - ticket.at) / 2;
  return (refused ? 0 : remaining) + since * ledger.rate - later;
}

export /** What an announcement says of the server's refill rate and of its size (see {@link QuotaLedger.rate}). */
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
