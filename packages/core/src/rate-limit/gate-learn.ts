import { serverDelay } from '../retry/retry-after.js';
import { type AnnouncedQuota, parseAnnouncedQuota } from './announced-quota.js';
import type { OriginState } from './origin-table.js';
import { quotaForget, quotaLearn, quotaPaces, quotaRemaining, type SentTicket } from './quota-ledger.js';
import type { SchedulerStateUpdate } from './store.js';
import { countsQuota, type GateCore, resetOf } from './gate-core.js';
import { arm, repump } from './gate-release.js';

/*
 * Internal: what a gate learns from each answer (a closure, a quota, the rate the server
 * accepts), and from the other gates of a shared store.
 */

/** Closes `origin` until `until` (epoch ms); `share` tells the other gates. */
export function close(core: GateCore, origin: string, state: OriginState, until: number, share: boolean): void {
  if (until <= state.closedUntil) return;
  state.closedUntil = until;
  state.reopening = true;
  state.pace = undefined;
  state.epoch++;
  if (share) core.publish({ source: core.id, origin, closedUntil: until });
}

/** What a response (or a network error, `undefined`) teaches the gate about its origin. */
export function learn(core: GateCore, origin: string, response: Response | undefined, ticket: SentTicket | undefined, now: number): void {
  if (response === undefined) {
    quotaForget(core.origins.peek(origin)?.ledger, ticket); // a network error (or an abort) says nothing about the rate
    return;
  }
  const state = core.stateOf(origin);
  const { status, headers } = response;
  const announced = parseAnnouncedQuota(headers, now);
  if (announced) learnQuota(core, origin, state, announced, ticket, now, status === 429);
  const counted = countsQuota(state) || quotaPaces(state.ledger);
  if (status === 429 || status === 503) {
    const delay = serverDelay(headers, now);
    // A throttle lowers the pace of what is admitted next; only a closure (below) sends back what was admitted already.
    if ((status === 429 || delay !== undefined) && !counted) state.rate?.throttled(now, delay !== undefined);
    if (state.ledger && status === 429) state.ledger.floor = 0;
    if (delay !== undefined) close(core, origin, state, now + Math.min(delay, core.settings.maxClosedMs, resetOf(state, now) ?? delay), true);
    return;
  }
  state.rate?.accepted(now);
  if (announced && state.waiters.length > 0 && now >= state.closedUntil) repump(core, origin, state); // the count may have changed: look again now
}

/**
 * The first answer of a new origin (or its first error) lets the attempts it held go. One
 * attempt goes first, as a probe, so that a herd of them meets neither a closed origin
 * (holding concurrency slots that other origins need) nor a quota it could have read.
 */
export function answered(core: GateCore, origin: string, now: number): void {
  const state = core.origins.peek(origin);
  if (!state || state.firstSentAt === null) return;
  state.firstSentAt = null;
  if (state.waiters.length === 0) return;
  if (now >= state.closedUntil) repump(core, origin, state);
  else arm(core, origin, state, state.closedUntil - now); // the closure the answer asked for, not the rest of the hold
}

function learnQuota(
  core: GateCore,
  origin: string,
  state: OriginState,
  announced: AnnouncedQuota,
  ticket: SentTicket | undefined,
  now: number,
  refused: boolean,
): void {
  const wasOpen = !state.ledger || quotaRemaining(state.ledger) > 0;
  const ledger = quotaLearn(state.ledger, announced, ticket, now, state.sent, refused);
  state.ledger = ledger;
  if (!ledger) return;
  if (ledger.resetAt > now + core.settings.maxClosedMs) ledger.resetAt = now + core.settings.maxClosedMs;
  if (wasOpen && quotaRemaining(ledger) <= 0) state.epoch++; // attempts admitted against a stale count go back
  core.publish({
    source: core.id,
    origin,
    quota: {
      ...(ledger.limit === undefined ? {} : { limit: ledger.limit }),
      ...(ledger.windowMs === undefined ? {} : { windowMs: ledger.windowMs }),
      remaining: Math.max(0, quotaRemaining(ledger)),
      resetAt: ledger.resetAt,
    },
  });
}

/** What another gate shared through the store: a closure, or an announced quota's count. */
export function applyShared(core: GateCore, update: SchedulerStateUpdate): void {
  if (update.source === core.id || typeof update.origin !== 'string') return;
  const state = core.stateOf(update.origin);
  if (typeof update.closedUntil === 'number') close(core, update.origin, state, update.closedUntil, false);
  const quota = update.quota;
  if (quota && typeof quota.remaining === 'number' && typeof quota.resetAt === 'number') {
    const ledger = state.ledger;
    if (!ledger || quota.resetAt > ledger.resetAt + 1) {
      state.ledger = {
        limit: quota.limit,
        windowMs: quota.windowMs,
        floor: quota.remaining,
        outstanding: new Map(),
        resetAt: quota.resetAt,
        expectFresh: false,
        kind: ledger?.kind ?? 'unknown',
        exhaustedAt: undefined,
        earlyProbe: ledger?.earlyProbe,
        rate: ledger?.rate,
        tokens: ledger?.tokens ?? 0,
        tokensAt: ledger?.tokensAt ?? core.now(),
        peak: ledger?.peak ?? 1,
        rtt: ledger?.rtt ?? 0,
      };
    } else {
      ledger.floor = Math.min(ledger.floor, quota.remaining + ledger.outstanding.size);
    }
  }
  if (state.waiters.length > 0) arm(core, update.origin, state, Math.max(0, state.closedUntil - core.now()));
}
