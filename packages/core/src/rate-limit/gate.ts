import { createAdaptiveRate } from './adaptive-rate.js';
import { TimeoutError } from '../errors.js';
import { serverDelay } from '../retry/retry-after.js';
import { type AnnouncedQuota, parseAnnouncedQuota } from './announced-quota.js';
import { firstAnswerWait, type GateWaiter, type OriginState, OriginTable } from './origin-table.js';
import { quotaForget, quotaLearn, quotaPaces, quotaRemaining, quotaTake, quotaWait, type SentTicket } from './quota-ledger.js';
import type { SchedulerStateUpdate } from './store.js';
import { ADMIT_NOW, type FastGate, type RateGateClock, type RateGateOptions } from './gate-types.js';
import { checkKeys, checkNumber, type OptionKeys } from '../check.js';
import { MAX_TIMER_MS } from '../timer-limit.js';

export type { RateGate, RateGateClock, RateGateOptions } from './gate-types.js';

/** How soon a gate looks again when a quota's room was handed out and waiters remain. */
const RECHECK_MS = 10;

const defaultClock: RateGateClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};


/**
 * Creates a rate-limit gate. Give the same gate to several clients (through the retry
 * middleware's `gate` option) to make them share what they learn about each origin.
 *
 * @example
 * ```ts
 * import { compose, createRateGate, retry } from '@sluice/core';
 *
 * const gate = createRateGate({ adaptive: { minRate: 1 } });
 * const a = compose([retry({ gate })]);
 * const b = compose([retry({ gate })]); // a 429 seen by `a` holds `b` too
 * ```
 */
export function createRateGate(options: RateGateOptions = {}): FastGate {
  if (options === null || typeof options !== 'object') throw new TypeError('createRateGate: options must be an object.');
  checkKeys('createRateGate', options, GATE_KEYS);
  const clock = options.clock ?? defaultClock;
  if (typeof clock.now !== 'function' || typeof clock.setTimeout !== 'function' || typeof clock.clearTimeout !== 'function') {
    throw new TypeError('createRateGate: option "clock" must have now(), setTimeout() and clearTimeout() functions.');
  }
  const releaseWindowMs = checkNumber('createRateGate', 'releaseWindowMs', options.releaseWindowMs ?? 1000, { max: MAX_TIMER_MS, maxReason: 'the longest timer' });
  const maxClosedMs = checkNumber('createRateGate', 'maxClosedMs', options.maxClosedMs ?? 60_000, { max: MAX_TIMER_MS, maxReason: 'the longest timer' });
  const maxOrigins = checkNumber('createRateGate', 'maxOrigins', options.maxOrigins ?? 500, { integer: true, min: 1 });
  const probeNewOrigins = options.probeNewOrigins ?? true;
  if (typeof probeNewOrigins !== 'boolean') throw new TypeError(`createRateGate: option "probeNewOrigins" must be a boolean, got ${String(probeNewOrigins)}.`);
  const adaptive = options.adaptive ?? {};
  if (adaptive !== false && (adaptive === null || typeof adaptive !== 'object')) {
    throw new TypeError('createRateGate: option "adaptive" must be false or an options object.');
  }
  if (adaptive !== false) createAdaptiveRate(adaptive); // validates the options now, not at the first request
  const store = options.store;
  if (store !== undefined && (typeof store?.publish !== 'function' || typeof store?.subscribe !== 'function')) {
    throw new TypeError('createRateGate: option "store" must have publish() and subscribe() functions.');
  }
  const id = `gate-${Math.random().toString(36).slice(2)}`;
  const origins = new OriginTable(Math.max(1, Math.floor(maxOrigins)));

  const make = (): OriginState => ({
    closedUntil: 0,
    reopening: false,
    waiters: [],
    timer: undefined,
    rate: adaptive === false ? undefined : createAdaptiveRate(adaptive),
    pace: undefined,
    ledger: undefined,
    epoch: 0,
    sent: 0,
    firstSentAt: probeNewOrigins ? undefined : null,
  });
  const stateOf = (origin: string): OriginState => origins.use(origin, clock.now(), make);

  /** 0 when a request may go now (and takes its turn), else the ms to wait. */
  function turn(state: OriginState, now: number): number {
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

  function arm(origin: string, state: OriginState, ms: number): void {
    if (state.timer !== undefined) clock.clearTimeout(state.timer);
    state.timer = clock.setTimeout(() => pump(origin, state), Math.max(1, Math.ceil(ms)));
  }

  function disarm(state: OriginState): void {
    if (state.timer !== undefined) clock.clearTimeout(state.timer);
    state.timer = undefined;
  }

  function pump(origin: string, state: OriginState): void {
    state.timer = undefined;
    const now = clock.now();
    dropExpired(state, now);
    if (state.waiters.length === 0) {
      state.pace = undefined;
      return;
    }
    if (now < state.closedUntil) {
      arm(origin, state, state.closedUntil - now);
      return;
    }
    if (state.reopening) {
      state.reopening = false;
      const counted = countsQuota(state) || quotaPaces(state.ledger); // a known quota paces the release itself
      if (!state.rate?.enabled && !counted) state.pace = { interval: releaseWindowMs / state.waiters.length, next: now };
    }
    // With a counted quota, release no more waiters than it has room for: the others would
    // only come back from the last look (and a shared store would count them twice).
    let room = state.ledger && holdsQuota(state) && quotaRemaining(state.ledger) > 0 ? quotaRemaining(state.ledger) : Number.POSITIVE_INFINITY;
    while (state.waiters.length > 0) {
      const wait = turn(state, now);
      if (wait > 0) {
        arm(origin, state, wait);
        return;
      }
      if (room-- <= 0) {
        arm(origin, state, RECHECK_MS); // answers re-pump sooner; this is the fallback
        return;
      }
      const waiter = state.waiters.shift() as GateWaiter;
      release(waiter);
      waiter.resolve();
    }
    state.pace = undefined;
  }

  function release(waiter: GateWaiter): void {
    waiter.signal.removeEventListener('abort', waiter.onAbort);
    if (waiter.deadlineTimer !== undefined) clock.clearTimeout(waiter.deadlineTimer);
  }

  /** Waiters whose deadline has passed settle with their TimeoutError; they are never let through. */
  function dropExpired(state: OriginState, now: number): void {
    if (!state.waiters.some((waiter) => waiter.deadlineAt <= now)) return;
    for (const waiter of state.waiters.filter((candidate) => candidate.deadlineAt <= now)) waiter.expire();
  }

  function close(origin: string, state: OriginState, until: number, share: boolean): void {
    if (until <= state.closedUntil) return;
    state.closedUntil = until;
    state.reopening = true;
    state.pace = undefined;
    state.epoch++;
    if (share) publish({ source: id, origin, closedUntil: until });
  }

  function publish(update: SchedulerStateUpdate): void {
    if (!store) return;
    try {
      store.publish(update);
    } catch {
      // a store that fails must not fail the request
    }
  }

  function applyShared(update: SchedulerStateUpdate): void {
    if (update.source === id || typeof update.origin !== 'string') return;
    const state = stateOf(update.origin);
    if (typeof update.closedUntil === 'number') close(update.origin, state, update.closedUntil, false);
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
          tokensAt: ledger?.tokensAt ?? clock.now(),
          peak: ledger?.peak ?? 1,
          rtt: ledger?.rtt ?? 0,
        };
      } else {
        ledger.floor = Math.min(ledger.floor, quota.remaining + ledger.outstanding.size);
      }
    }
    if (state.waiters.length > 0) arm(update.origin, state, Math.max(0, state.closedUntil - clock.now()));
  }
  store?.subscribe(applyShared);

  return {
    get size() {
      return origins.size;
    },

    acquire(origin, signal, maxWait) {
      if (typeof origin !== 'string' || origin === '') {
        return Promise.reject(new TypeError('RateGate.acquire: origin must be a non-empty string.'));
      }
      if (signal.aborted) return Promise.reject(signal.reason);
      const state = stateOf(origin);
      const now = clock.now();
      const left = maxWait === undefined ? Number.POSITIVE_INFINITY : maxWait;
      if (left > 0 && state.waiters.length === 0 && now >= state.closedUntil && !state.reopening && turn(state, now) === 0) {
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => wait(origin, state, signal, left, now, resolve, reject));
    },

    observe(origin, response, ticket) {
      const now = clock.now();
      learn(origin, response, ticket, now);
      answered(origin, now); // after learning: the attempts it lets go meet what the answer said
    },

    closedFor(origin) {
      const state = origins.peek(origin);
      if (!state) return 0;
      const now = clock.now();
      const held = state.ledger && holdsQuota(state) && quotaRemaining(state.ledger) <= 0 ? state.ledger.resetAt - now : 0;
      return Math.max(0, state.closedUntil - now, held);
    },

    epoch(origin) {
      return origins.peek(origin)?.epoch ?? 0;
    },

    announcedReset(origin) {
      const state = origins.peek(origin);
      return state ? resetOf(state, clock.now()) : undefined;
    },

    ticket(origin) {
      const state = stateOf(origin);
      const now = clock.now();
      if (now < state.closedUntil || firstAnswerWait(state, now) > 0 || quotaWait(state.ledger, now) > 0) return undefined;
      return take(state, now);
    },

    [ADMIT_NOW](origin) {
      const state = stateOf(origin);
      const now = clock.now();
      // acquire's own fast path: after a turn of 0, ticket's checks (closure, first answer, quota) hold too.
      if (state.waiters.length > 0 || now < state.closedUntil || state.reopening || turn(state, now) !== 0) return undefined;
      return take(state, now);
    },
  };

  /** Counts one admitted attempt and returns its ticket. */
  function take(state: OriginState, now: number): SentTicket {
    if (state.firstSentAt === undefined) state.firstSentAt = now;
    state.sent++;
    quotaTake(state.ledger, now, state.sent);
    if (state.rate && !state.rate.enabled) state.rate.take(now); // measures the send rate, free until the first throttle
    return { seq: state.sent, at: now };
  }

  /** What a response (or a network error, `undefined`) teaches the gate about its origin. */
  function learn(origin: string, response: Response | undefined, ticket: SentTicket | undefined, now: number): void {
    if (response === undefined) {
      quotaForget(origins.peek(origin)?.ledger, ticket); // a network error (or an abort) says nothing about the rate
      return;
    }
    const state = stateOf(origin);
    const { status, headers } = response;
    const announced = parseAnnouncedQuota(headers, now);
    if (announced) learnQuota(origin, state, announced, ticket, now, status === 429);
    const counted = countsQuota(state) || quotaPaces(state.ledger);
    if (status === 429 || status === 503) {
      const delay = serverDelay(headers, now);
      // A throttle lowers the pace of what is admitted next; only a closure (below) sends back what was admitted already.
      if ((status === 429 || delay !== undefined) && !counted) state.rate?.throttled(now);
      if (state.ledger && status === 429) state.ledger.floor = 0;
      if (delay !== undefined) close(origin, state, now + Math.min(delay, maxClosedMs, resetOf(state, now) ?? delay), true);
      return;
    }
    state.rate?.accepted(now);
    if (announced && state.waiters.length > 0 && now >= state.closedUntil) {
      disarm(state); // the count may have changed: look again now
      pump(origin, state);
    }
  }

  /**
   * The first answer of a new origin (or its first error) lets the attempts it held go. One
   * attempt goes first, as a probe, so that a herd of them meets neither a closed origin
   * (holding concurrency slots that other origins need) nor a quota it could have read.
   */
  function answered(origin: string, now: number): void {
    const state = origins.peek(origin);
    if (!state || state.firstSentAt === null) return;
    state.firstSentAt = null;
    if (state.waiters.length > 0 && now >= state.closedUntil) {
      disarm(state);
      pump(origin, state);
    }
  }

  function learnQuota(origin: string, state: OriginState, announced: AnnouncedQuota, ticket: SentTicket | undefined, now: number, refused: boolean): void {
    const wasOpen = !state.ledger || quotaRemaining(state.ledger) > 0;
    const ledger = quotaLearn(state.ledger, announced, ticket, now, state.sent, refused);
    state.ledger = ledger;
    if (!ledger) return;
    if (ledger.resetAt > now + maxClosedMs) ledger.resetAt = now + maxClosedMs;
    if (wasOpen && quotaRemaining(ledger) <= 0) state.epoch++; // attempts admitted against a stale count go back
    publish({
      source: id,
      origin,
      quota: {
        ...(ledger.limit === undefined ? {} : { limit: ledger.limit }),
        ...(ledger.windowMs === undefined ? {} : { windowMs: ledger.windowMs }),
        remaining: Math.max(0, quotaRemaining(ledger)),
        resetAt: ledger.resetAt,
      },
    });
  }

  function wait(
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
      release(gone);
      if (state.waiters.length === 0) {
        disarm(state);
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
    if (Number.isFinite(maxWait)) waiter.deadlineTimer = clock.setTimeout(() => waiter.expire(), maxWait);
    signal.addEventListener('abort', waiter.onAbort, { once: true });
    state.waiters.push(waiter);
    if (state.timer === undefined) pump(origin, state);
  }
}

/** ms until the announced window of a used-up quota resets (the ledger's precise reading), if it is known. */
function resetOf(state: OriginState, now: number): number | undefined {
  const ledger = state.ledger;
  // A paced bucket knows when its next request may go, even now: the server's whole-second
  // delay is not waited for.
  if (quotaPaces(ledger)) return quotaWait(ledger, now);
  if (!ledger || !countsQuota(state)) return undefined;
  const wait = quotaWait(ledger, now);
  return wait > 0 ? wait : undefined;
}

/** Whether the origin's announced quota holds it (a ledger that is not a refilling bucket). */
function holdsQuota(state: OriginState): boolean {
  return state.ledger !== undefined && state.ledger.kind !== 'bucket';
}

/** Whether the announced quota is counted in full (a known limit): it then paces the origin instead of the adaptive rate. */
function countsQuota(state: OriginState): boolean {
  return holdsQuota(state) && state.ledger?.limit !== undefined;
}

/** Every key of {@link RateGateOptions}. */
const GATE_KEYS: OptionKeys<RateGateOptions> = { adaptive: true, clock: true, releaseWindowMs: true, maxClosedMs: true, maxOrigins: true, store: true, probeNewOrigins: true };
