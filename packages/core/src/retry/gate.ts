import { type AdaptiveRate, type AdaptiveRateOptions, createAdaptiveRate } from './adaptive-rate.js';
import { TimeoutError } from '../errors.js';
import { quotaExhausted, serverDelay } from './retry-after.js';

/**
 * The shared rate-limit gate: one per client (shareable between clients), one state per
 * origin. The retry middleware awaits {@link RateGate.acquire} before every attempt and
 * feeds every outcome to {@link RateGate.observe}.
 *
 * - **Closing.** A 429 or 503 whose headers give a server delay (`Retry-After`,
 *   `RateLimit`, `X-RateLimit-Reset`…) closes the origin until the delay has passed; a
 *   response saying the quota is used up (`RateLimit: r=0`, `X-RateLimit-Remaining: 0`
 *   with a reset) closes it until the reset, before any 429. Other origins are untouched.
 * - **Paced release.** Waiters leave in FIFO order, never as a herd. Once the origin has
 *   been throttled, its {@link AdaptiveRate} paces every send (a CUBIC token bucket that
 *   learns the rate the server accepts and probes back up). Without an adaptive rate
 *   (turned off, or a quota closure before any throttle), the requests that queued while
 *   the gate was closed are spread evenly over `releaseWindowMs`.
 * - **Cost.** Until an origin is first throttled or closed, `acquire` resolves at once
 *   and no timer exists. A timer exists only while someone waits, so an idle process
 *   exits.
 */

/**
 * The clock and timers a gate runs on; inject a fake one in tests. `now()` is epoch
 * milliseconds (HTTP dates in `Retry-After` are compared with it).
 *
 * @example
 * ```ts
 * const clock: RateGateClock = {
 *   now: () => Date.now(),
 *   setTimeout: (callback, ms) => setTimeout(callback, ms),
 *   clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
 * };
 * ```
 */
export interface RateGateClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Options of {@link createRateGate}.
 *
 * @example
 * ```ts
 * const options: RateGateOptions = { adaptive: { beta: 0.8 }, releaseWindowMs: 500 };
 * ```
 */
export interface RateGateOptions {
  /** The adaptive send rate per origin, or `false` to turn it off. Default: on, with the defaults of {@link AdaptiveRateOptions}. */
  adaptive?: false | AdaptiveRateOptions;
  /** Clock and timers. Default: `Date.now` and the global timers. */
  clock?: RateGateClock;
  /** Without an adaptive rate, the queued requests are spread over this window when the gate opens. Default `1000` ms. */
  releaseWindowMs?: number;
  /** The longest a server delay may close an origin. Default `60000` ms. */
  maxClosedMs?: number;
}

/**
 * A per-origin gate in front of every attempt.
 *
 * @example
 * ```ts
 * const gate = createRateGate();
 * await gate.acquire('https://api.example.com', AbortSignal.timeout(5_000));
 * const response = await fetch('https://api.example.com/users');
 * gate.observe('https://api.example.com', response);
 * ```
 */
export interface RateGate {
  /**
   * Resolves when `origin` may send (gate open, paced release, adaptive rate token).
   * Rejects with signal.reason on abort, and with a `TimeoutError` (phase `total`) if it
   * is still waiting after `maxWait` ms.
   */
  acquire(origin: string, signal: AbortSignal, maxWait?: number): Promise<void>;
  /** Feed every response (and `undefined` for a network error). Closes the gate on 429/503 with a
   *  server delay or on quota exhaustion; updates the adaptive rate. */
  observe(origin: string, response: Response | undefined): void;
  /** ms until `origin` opens; 0 when open. */
  closedFor(origin: string): number;
}

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  signal: AbortSignal;
  onAbort(): void;
  /** The timer that fails the wait at its deadline, if it has one. */
  deadlineTimer?: unknown;
}

interface OriginState {
  closedUntil: number;
  /** Set when the gate closes; the next opening starts a paced release. */
  reopening: boolean;
  waiters: Waiter[];
  timer: unknown;
  rate: AdaptiveRate | undefined;
  /** Even spacing of the release when no adaptive rate paces it. */
  pace: { interval: number; next: number } | undefined;
}

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
export function createRateGate(options: RateGateOptions = {}): RateGate {
  if (options === null || typeof options !== 'object') throw new TypeError('createRateGate: options must be an object.');
  const clock = options.clock ?? defaultClock;
  if (typeof clock.now !== 'function' || typeof clock.setTimeout !== 'function' || typeof clock.clearTimeout !== 'function') {
    throw new TypeError('createRateGate: option "clock" must have now(), setTimeout() and clearTimeout() functions.');
  }
  const releaseWindowMs = nonNegative('releaseWindowMs', options.releaseWindowMs ?? 1000);
  const maxClosedMs = nonNegative('maxClosedMs', options.maxClosedMs ?? 60_000);
  const adaptive = options.adaptive ?? {};
  if (adaptive !== false && (adaptive === null || typeof adaptive !== 'object')) {
    throw new TypeError('createRateGate: option "adaptive" must be false or an options object.');
  }
  if (adaptive !== false) createAdaptiveRate(adaptive); // validates the options now, not at the first request
  const origins = new Map<string, OriginState>();

  function stateOf(origin: string): OriginState {
    let state = origins.get(origin);
    if (!state) {
      state = {
        closedUntil: 0,
        reopening: false,
        waiters: [],
        timer: undefined,
        rate: adaptive === false ? undefined : createAdaptiveRate(adaptive),
        pace: undefined,
      };
      origins.set(origin, state);
    }
    return state;
  }

  /** 0 when a request may go now (and takes its turn), else the ms to wait. */
  function turn(state: OriginState, now: number): number {
    if (state.rate?.enabled) return state.rate.take(now);
    if (state.pace) {
      if (now < state.pace.next) return state.pace.next - now;
      state.pace.next += state.pace.interval;
    }
    state.rate?.take(now); // measures the send rate; free until the first throttle
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
      if (!state.rate?.enabled) state.pace = { interval: releaseWindowMs / state.waiters.length, next: now };
    }
    while (state.waiters.length > 0) {
      const wait = turn(state, now);
      if (wait > 0) {
        arm(origin, state, wait);
        return;
      }
      const waiter = state.waiters.shift() as Waiter;
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      if (waiter.deadlineTimer !== undefined) clock.clearTimeout(waiter.deadlineTimer);
      waiter.resolve();
    }
    state.pace = undefined;
  }

  return {
    acquire(origin, signal, maxWait) {
      if (typeof origin !== 'string' || origin === '') {
        return Promise.reject(new TypeError('RateGate.acquire: origin must be a non-empty string.'));
      }
      if (signal.aborted) return Promise.reject(signal.reason);
      const state = stateOf(origin);
      const now = clock.now();
      if (state.waiters.length === 0 && now >= state.closedUntil && !state.reopening && turn(state, now) === 0) {
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          reject,
          signal,
          onAbort() {
            leave(waiter);
            reject(signal.reason);
          },
        };
        const leave = (gone: Waiter) => {
          const index = state.waiters.indexOf(gone);
          if (index >= 0) state.waiters.splice(index, 1);
          if (gone.deadlineTimer !== undefined) clock.clearTimeout(gone.deadlineTimer);
          signal.removeEventListener('abort', gone.onAbort);
          if (state.waiters.length === 0) {
            disarm(state);
            state.pace = undefined;
          }
        };
        if (maxWait !== undefined) {
          const fail = () => {
            leave(waiter);
            reject(
              new TimeoutError('total', Math.max(0, Math.round(maxWait)), {
                message: `Still waiting at the rate-limit gate for ${origin} after ${Math.max(0, Math.round(maxWait))} ms, the time that was left`,
              }),
            );
          };
          if (maxWait <= 0) {
            fail();
            return;
          }
          waiter.deadlineTimer = clock.setTimeout(fail, maxWait);
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true });
        state.waiters.push(waiter);
        if (state.timer === undefined) pump(origin, state);
      });
    },

    observe(origin, response) {
      if (response === undefined) return; // a network error says nothing about the rate
      const now = clock.now();
      const state = stateOf(origin);
      const { status, headers } = response;
      if (status === 429 || status === 503) {
        const delay = serverDelay(headers, now);
        if (status === 429 || delay !== undefined) state.rate?.throttled(now);
        if (delay !== undefined) close(state, now + Math.min(delay, maxClosedMs));
        return;
      }
      state.rate?.accepted(now);
      const reset = quotaExhausted(headers, now);
      if (reset !== undefined && reset > 0) close(state, now + Math.min(reset, maxClosedMs));
    },

    closedFor(origin) {
      const state = origins.get(origin);
      return state ? Math.max(0, state.closedUntil - clock.now()) : 0;
    },
  };

  function close(state: OriginState, until: number): void {
    if (until <= state.closedUntil) return;
    state.closedUntil = until;
    state.reopening = true;
    state.pace = undefined;
  }
}

function nonNegative(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`createRateGate: option "${name}" must be a finite number >= 0; got ${String(value)}.`);
  }
  return value;
}
