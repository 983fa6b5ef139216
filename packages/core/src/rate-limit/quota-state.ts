import type { AnnouncedQuota } from './announced-quota.js';

/*
 * Internal: the state of an origin's announced-quota ledger, shared by its window half
 * (quota-window.ts) and its paced-bucket half (quota-bucket.ts); quota-ledger.ts is what
 * the gate calls.
 */

export type { AnnouncedQuota };

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

/** Admitted attempts never answered (aborted, lost) stop counting after this. */
export const FORGET_MS = 30_000;

/** Whether the ledger paces the origin itself: a refilling bucket whose rate is known. */
export function quotaPaces(ledger: QuotaLedger | undefined): ledger is QuotaLedger & { rate: number } {
  return ledger !== undefined && ledger.kind === 'bucket' && ledger.rate !== undefined;
}

/** Requests the ledger still lets out in the current window. */
export function quotaRemaining(ledger: QuotaLedger): number {
  return ledger.floor - ledger.outstanding.size;
}

