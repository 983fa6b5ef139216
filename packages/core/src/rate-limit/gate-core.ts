import { createAdaptiveRate } from './adaptive-rate.js';
import { type OriginState, OriginTable } from './origin-table.js';
import { quotaPaces, quotaWait } from './quota-ledger.js';
import type { SchedulerStateUpdate } from './store.js';
import type { GateSettings } from './gate-options.js';

/*
 * Internal: what every part of one gate shares (its settings, its origins, its id in a
 * shared store) and the small facts about an origin's state that they all read.
 */

/** One gate's shared state: the release (gate-release.ts) and the learning (gate-learn.ts) both work on it. */
export class GateCore {
  readonly settings: GateSettings;
  readonly clock: GateSettings['clock'];
  /** This gate's name in a shared store, so that it ignores its own updates. */
  readonly id = `gate-${Math.random().toString(36).slice(2)}`;
  readonly origins: OriginTable;
  /** `make`, bound once (not a closure per lookup). */
  readonly #make: () => OriginState;

  constructor(settings: GateSettings) {
    this.settings = settings;
    this.clock = settings.clock;
    this.origins = new OriginTable(settings.maxOrigins);
    this.#make = () => this.make();
  }

  now(): number {
    return this.clock.now();
  }

  /** The state of `origin`, made on first use and marked as most recently used. */
  stateOf(origin: string): OriginState {
    return this.origins.use(origin, this.clock, this.#make); // the clock is read only to evict
  }

  make(): OriginState {
    const { adaptive, probeNewOrigins } = this.settings;
    return {
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
    };
  }

  /** Tells other gates through the store; a store that fails must not fail the request. */
  publish(update: SchedulerStateUpdate): void {
    const store = this.settings.store;
    if (!store) return;
    try {
      store.publish(update);
    } catch {
      // a store that fails must not fail the request
    }
  }
}

/** ms until the announced window of a used-up quota resets (the ledger's precise reading), if it is known. */
export function resetOf(state: OriginState, now: number): number | undefined {
  const ledger = state.ledger;
  // A paced bucket knows when its next request may go, even now: the server's whole-second
  // delay is not waited for.
  if (quotaPaces(ledger)) return quotaWait(ledger, now);
  if (!ledger || !countsQuota(state)) return undefined;
  const wait = quotaWait(ledger, now);
  return wait > 0 ? wait : undefined;
}

/** Whether the origin's announced quota holds it (a ledger that is not a refilling bucket). */
export function holdsQuota(state: OriginState): boolean {
  return state.ledger !== undefined && state.ledger.kind !== 'bucket';
}

/** Whether the announced quota is counted in full (a known limit): it then paces the origin instead of the adaptive rate. */
export function countsQuota(state: OriginState): boolean {
  return holdsQuota(state) && state.ledger?.limit !== undefined;
}
