import type { AdaptiveRateOptions } from './adaptive-rate.js';
import type { SentTicket } from './quota-ledger.js';
import type { SchedulerStateStore } from './store.js';

/**
 * The shared rate-limit gate: one per client (shareable between clients), one state per
 * origin. The retry middleware awaits {@link RateGate.acquire} before every attempt and
 * feeds every outcome to {@link RateGate.observe}.
 *
 * - **Closing.** A 429 or 503 whose headers give a server delay (`Retry-After`,
 *   `RateLimit`, `X-RateLimit-Reset`…) closes the origin until the delay has passed; a
 *   response saying the quota is used up (`RateLimit: r=0`, `X-RateLimit-Remaining: 0`
 *   with a reset) closes it until the reset, before any 429. Other origins are untouched.
 * - **Announced quotas.** A response that announces its quota (the RateLimit drafts,
 *   `X-RateLimit-*`) starts a ledger for the origin (`quota-ledger.ts`): each admission
 *   counts against what is left, and at 0 the origin is held until the window resets.
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
  /** The current time in epoch milliseconds. */
  now(): number;
  /** Calls `callback` after `ms` milliseconds; returns a handle for {@link RateGateClock.clearTimeout}. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer that `setTimeout` returned. */
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
  /**
   * Most origins remembered. Past it, the least recently used idle origins (no waiter, no
   * closure or exhausted quota in force) are dropped with what was learnt about them.
   * Default `500` (about 3 KB each).
   */
  maxOrigins?: number;
  /** Shares closures and announced quotas with other gates (see {@link SchedulerStateStore}). Default: none. */
  store?: SchedulerStateStore;
  /**
   * An origin that has never answered gets one attempt first; the others wait (holding no
   * concurrency slot) until its answer, or an error, comes back, at most 1 s. A herd sent to
   * a new origin would otherwise meet a closure or a quota that the first answer tells. As
   * AWS SDK's adaptive retry mode starts slow. `false` sends them at once. Default `true`.
   */
  probeNewOrigins?: boolean;
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
  observe(origin: string, response: Response | undefined, ticket?: SentTicket): void;
  /** ms until `origin` opens (a closure, or an exhausted announced quota); 0 when open. */
  closedFor(origin: string): number;
  /**
   * A number that changes whenever `origin` closes or runs out of its announced quota. An attempt admitted under an older epoch is stale: it must pass the
   * gate again before it is sent. Optional for a custom gate (then an admission holds).
   */
  epoch?(origin: string): number;
  /**
   * The last look before the wire: counts the attempt against the origin's announced quota
   * and returns its ticket (pass it to `observe` with the response), or `undefined` when
   * the origin is closed, its quota used up right now, or a new origin's first answer still
   * awaited (the attempt must wait again).
   */
  ticket?(origin: string): SentTicket | undefined;
  /**
   * When `origin` announced a quota that is now used up: the ms until its window resets,
   * read more precisely than a whole-second `Retry-After` (see `quota-ledger.ts`).
   * `undefined` otherwise. Optional for a custom gate.
   */
  announcedReset?(origin: string): number | undefined;
  /** Origins remembered now (bounded by `maxOrigins` plus the origins held right now). */
  readonly size?: number;
}

/**
 * The gate's synchronous admission, for an attempt that can go at once: when `origin` is
 * open, nobody waits and its pace has a turn free now, takes the attempt's turn and ticket
 * (as `acquire` resolving at once and then `ticket` would) and returns the ticket; else
 * `undefined`, and the attempt takes the waiting path. Internal: gates made by
 * `createRateGate` have it; a custom gate does not, and is always waited for.
 */
export const ADMIT_NOW: unique symbol = Symbol('sluice.gate.admitNow');

/** A gate with the synchronous admission of {@link ADMIT_NOW}. Internal. */
export interface FastGate extends RateGate {
  [ADMIT_NOW](origin: string): SentTicket | undefined;
}
