import { TimeoutError } from '../errors.js';
import { firstAnswerWait, type GateWaiter, type OriginState } from './origin-table.js';
import { quotaPaces, quotaRemaining, quotaTake, quotaWait, type SentTicket } from './quota-ledger.js';
import { countsQuota, type GateCore, holdsQuota } from './gate-core.js';

/*
 * Internal: how a gate lets attempts go. An attempt whose origin is open takes its turn at
 * once (`turn`, `take`); the others wait in FIFO order (`enqueue`) and leave one at a time
 * (`pump`) as the closure ends, the pace allows and the quota has room.
 */

/** How soon a gate looks again when a quota's room was handed out and waiters remain. */
const RECHECK_MS = 10;

/** 0 when a request may go now (and takes its turn), else the ms to wait. */
export function turn(state: OriginState, now: number): number {
  const first = firstAnswerWait(state, now);
  if (first > 0) return first;
  const held = quotaWait(state.ledger, now);
  if (held > 0) return held;
  if (state.rate?.enabled) {
    const wait = state.rate.take(now);
    if (wait > 0) return wait;
  } else if (state.pace) {
    if (now < state.pace.next) return state.pace.next - now;
    state.pace.next += state.pace.interval;
  }
  // Before the first throttle the adaptive rate only measures sends, and the announced
  // quota is counted: both at the last moment, by ticket().
  return 0;
}

/** Counts one admitted attempt and returns its ticket. */
export function take(state: OriginState, now: number): SentTicket {
  if (state.firstSentAt === undefined) state.firstSentAt = now;
  state.sent++;
  quotaTake(state.ledger, now, state.sent);
  if (state.rate && !state.rate.enabled) state.rate.take(now); // measures the send rate, free until the first throttle
  return { seq: state.sent, at: now };
}

/** (Re)arms the origin's one timer to pump its waiters in `ms`. */
export function arm(core: GateCore, origin: string, state: OriginState, ms: number): void {
  const clock = core.clock;
  if (state.timer !== undefined) clock.clearTimeout(state.timer);
  state.timer = clock.setTimeout(() => pump(core, origin, state), Math.max(1, Math.ceil(ms)));
}

export function disarm(core: GateCore, state: OriginState): void {
  if (state.timer !== undefined) core.clock.clearTimeout(state.timer);
  state.timer = undefined;
}

/** Lets waiters go while the origin admits them, then arms the timer for the next one. */
export function pump(core: GateCore, origin: string, state: OriginState): void {
  state.timer = undefined;
  const now = core.now();
  dropExpired(state, now);
  if (state.waiters.length === 0) {
    state.pace = undefined;
    return;
  }
  if (now < state.closedUntil) {
    arm(core, origin, state, state.closedUntil - now);
    return;
  }
  if (state.reopening) {
    state.reopening = false;
    const counted = countsQuota(state) || quotaPaces(state.ledger); // a known quota paces the release itself
    if (!state.rate?.enabled && !counted) state.pace = { interval: core.settings.releaseWindowMs / state.waiters.length, next: now };
  }
  // With a counted quota, release no more waiters than it has room for: the others would
  // only come back from the last look (and a shared store would count them twice).
  let room = state.ledger && holdsQuota(state) && quotaRemaining(state.ledger) > 0 ? quotaRemaining(state.ledger) : Number.POSITIVE_INFINITY;
  while (state.waiters.length > 0) {
    const wait = turn(state, now);
    if (wait > 0) {
      arm(core, origin, state, wait);
      return;
    }
    if (room-- <= 0) {
      arm(core, origin, state, RECHECK_MS); // answers re-pump sooner; this is the fallback
      return;
    }
    const waiter = state.waiters.shift() as GateWaiter;
    release(core, waiter);
    waiter.resolve();
  }
  state.pace = undefined;
}

/** Pumps at once: something the waiters wait for may have changed (an answer came). */
export function repump(core: GateCore, origin: string, state: OriginState): void {
  disarm(core, state);
  pump(core, origin, state);
}

function release(core: GateCore, waiter: GateWaiter): void {
  waiter.signal.removeEventListener('abort', waiter.onAbort);
  if (waiter.deadlineTimer !== undefined) core.clock.clearTimeout(waiter.deadlineTimer);
}

/** Waiters whose deadline has passed settle with their TimeoutError; they are never let through. */
function dropExpired(state: OriginState, now: number): void {
  if (!state.waiters.some((waiter) => waiter.deadlineAt <= now)) return;
  for (const waiter of state.waiters.filter((candidate) => candidate.deadlineAt <= now)) waiter.expire();
}

/** Queues one attempt at `origin` until it may go, its signal aborts or `maxWait` ms pass. */
export function enqueue(
  core: GateCore,
  origin: string,
  state: OriginState,
  signal: AbortSignal,
  maxWait: number,
  now: number,
  resolve: () => void,
  reject: (reason: unknown) => void,
): void {
  const leave = (gone: GateWaiter) => {
    const index = state.waiters.indexOf(gone);
    if (index >= 0) state.waiters.splice(index, 1);
    release(core, gone);
    if (state.waiters.length === 0) {
      disarm(core, state);
      state.pace = undefined;
    }
  };
  const waited = Math.max(0, Math.round(maxWait));
  const waiter: GateWaiter = {
    resolve,
    reject,
    signal,
    deadlineAt: now + maxWait,
    onAbort() {
      leave(waiter);
      reject(signal.reason);
    },
    expire() {
      leave(waiter);
      reject(
        new TimeoutError('total', waited, {
          message: `Still waiting at the rate-limit gate for ${origin} after ${waited} ms, the time that was left; the request was never sent`,
        }),
      );
    },
  };
  if (maxWait <= 0) {
    waiter.expire();
    return;
  }
  if (Number.isFinite(maxWait)) waiter.deadlineTimer = core.clock.setTimeout(() => waiter.expire(), maxWait);
  signal.addEventListener('abort', waiter.onAbort, { once: true });
  state.waiters.push(waiter);
  if (state.timer === undefined) pump(core, origin, state);
}
