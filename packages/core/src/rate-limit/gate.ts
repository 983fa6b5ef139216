import { firstAnswerWait } from './origin-table.js';
import { quotaRemaining, quotaWait, type SentTicket } from './quota-ledger.js';
import { ADMIT_NOW, type FastGate, type RateGate, type RateGateOptions } from './gate-types.js';
import { gateSettings } from './gate-options.js';
import { GateCore, holdsQuota, resetOf } from './gate-core.js';
import { enqueue, take, turn } from './gate-release.js';
import { answered, applyShared, learn } from './gate-learn.js';

export type { RateGate, RateGateClock, RateGateOptions } from './gate-types.js';

/*
 * The gate in pieces: gate-options.ts (the options), gate-core.ts (what the pieces share),
 * gate-release.ts (who may go, and when the waiters leave), gate-learn.ts (what each
 * answer and the shared store teach it). This file is the public face.
 */

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
  const core = new GateCore(gateSettings(options));
  core.settings.store?.subscribe((update) => applyShared(core, update));
  return gateOver(core);
}

/**
 * The {@link RateGate} methods over one {@link GateCore}. Plain closures, not a class: a
 * method taken off the gate (`const { observe } = gate`) still works, and can be replaced.
 */
function gateOver(core: GateCore): FastGate {
  return {
    get size() {
      return core.origins.size;
    },

    acquire(origin, signal, maxWait) {
      if (typeof origin !== 'string' || origin === '') {
        return Promise.reject(new TypeError('RateGate.acquire: origin must be a non-empty string.'));
      }
      if (signal.aborted) return Promise.reject(signal.reason);
      const state = core.stateOf(origin);
      const now = core.now();
      const left = maxWait === undefined ? Number.POSITIVE_INFINITY : maxWait;
      if (left > 0 && state.waiters.length === 0 && now >= state.closedUntil && !state.reopening && turn(state, now) === 0) {
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => enqueue(core, origin, state, signal, left, now, resolve, reject));
    },

    observe(origin, response, ticket) {
      const now = core.now();
      learn(core, origin, response, ticket, now);
      answered(core, origin, now); // after learning: the attempts it lets go meet what the answer said
    },

    closedFor(origin) {
      const state = core.origins.peek(origin);
      if (!state) return 0;
      const now = core.now();
      const held = state.ledger && holdsQuota(state) && quotaRemaining(state.ledger) <= 0 ? state.ledger.resetAt - now : 0;
      return Math.max(0, state.closedUntil - now, held);
    },

    epoch(origin) {
      return core.origins.peek(origin)?.epoch ?? 0;
    },

    announcedReset(origin) {
      const state = core.origins.peek(origin);
      return state ? resetOf(state, core.now()) : undefined;
    },

    ticket(origin) {
      const state = core.stateOf(origin);
      const now = core.now();
      if (now < state.closedUntil || firstAnswerWait(state, now) > 0 || quotaWait(state.ledger, now) > 0) return undefined;
      return take(state, now);
    },

    [ADMIT_NOW](origin: string): SentTicket | undefined {
      const state = core.stateOf(origin);
      const now = core.now();
      // acquire's own fast path: after a turn of 0, ticket's checks (closure, first answer, quota) hold too.
      if (state.waiters.length > 0 || now < state.closedUntil || state.reopening || turn(state, now) !== 0) return undefined;
      return take(state, now);
    },
  };
}
