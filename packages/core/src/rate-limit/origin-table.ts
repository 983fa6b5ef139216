import type { AdaptiveRate } from './adaptive-rate.js';
import type { QuotaLedger } from './quota-ledger.js';

/** One request waiting at the gate. */
export interface GateWaiter {
  resolve(): void;
  reject(reason: unknown): void;
  signal: AbortSignal;
  onAbort(): void;
  /** The timer that fails the wait at its deadline, if it has one. */
  deadlineTimer?: unknown;
  /** When the wait fails, on the gate's clock (`Infinity` for never). */
  deadlineAt: number;
  /** Fails the wait with its TimeoutError. */
  expire(): void;
}

/** What a gate keeps for one origin. */
export interface OriginState {
  closedUntil: number;
  /** Set when the gate closes; the next opening starts a paced release. */
  reopening: boolean;
  waiters: GateWaiter[];
  timer: unknown;
  rate: AdaptiveRate | undefined;
  /** Even spacing of the release when no adaptive rate paces it. */
  pace: { interval: number; next: number } | undefined;
  /** The announced quota, once a response announced one. */
  ledger: QuotaLedger | undefined;
  /** Bumped whenever the origin closes or its quota runs out: an admission from before is stale. */
  epoch: number;
  /** Attempts admitted so far (orders responses against later admissions). */
  sent: number;
  /**
   * When the first attempt to an origin that has never answered was admitted: until an
   * answer (or an error) comes back, or {@link FIRST_ANSWER_HOLD_MS} pass, no other attempt
   * to it is admitted. `undefined` before it, `null` once the origin has answered.
   */
  firstSentAt: number | null | undefined;
}

/** The longest a new origin's other attempts wait for its first answer. */
export const FIRST_ANSWER_HOLD_MS = 1000;

/** ms that a new origin still holds its other attempts while its first answer is awaited (0: none). */
export function firstAnswerWait(state: OriginState, now: number): number {
  if (state.firstSentAt === undefined || state.firstSentAt === null) return 0;
  const left = state.firstSentAt + FIRST_ANSWER_HOLD_MS - now;
  if (left > 0) return left;
  state.firstSentAt = null; // never answered in time: stop holding
  return 0;
}

/**
 * The origins a gate remembers, least recently used first. Past `maxOrigins`, the least
 * recently used idle origins are dropped: no waiter, no timer, no closure and no
 * exhausted quota in force. An origin that is not idle is kept, so the bound is
 * `maxOrigins` plus the origins held right now.
 */
export class OriginTable {
  readonly #origins = new Map<string, OriginState>();
  readonly #maxOrigins: number;
  /** The state last moved to (or made at) the most recent end. */
  #newest: OriginState | undefined;

  constructor(maxOrigins: number) {
    this.#maxOrigins = maxOrigins;
  }

  get size(): number {
    return this.#origins.size;
  }

  peek(origin: string): OriginState | undefined {
    return this.#origins.get(origin);
  }

  /**
   * The state of `origin`, marked as most recently used; created with `make` when absent.
   * `clock` is read only when a new origin may push an old one out.
   */
  use(origin: string, clock: { now(): number }, make: () => OriginState): OriginState {
    const found = this.#origins.get(origin);
    if (found) {
      // Moving the most recent origin to the end changes nothing: one origin called again and
      // again (the common case) costs one lookup, not a delete and an insert per call.
      if (this.#newest !== found) {
        this.#origins.delete(origin);
        this.#origins.set(origin, found);
        this.#newest = found;
      }
      return found;
    }
    const state = make();
    this.#origins.set(origin, state);
    this.#newest = state;
    if (this.#origins.size > this.#maxOrigins) this.#evict(clock.now());
    return state;
  }

  /** Drops idle origins from the least recently used end until the table fits (looks at a few at most). */
  #evict(now: number): void {
    let looked = 0;
    for (const [origin, state] of this.#origins) {
      if (this.#origins.size <= this.#maxOrigins || looked++ >= 16) return;
      if (isIdle(state, now)) this.#origins.delete(origin);
    }
  }
}

function isIdle(state: OriginState, now: number): boolean {
  if (state.waiters.length > 0 || state.timer !== undefined || state.closedUntil > now) return false;
  const ledger = state.ledger;
  return !ledger || ledger.resetAt <= now || ledger.floor - ledger.outstanding.size > 0;
}
