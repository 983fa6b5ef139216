import type { AdaptiveRateOptions } from './adaptive-rate.js';
import { createAdaptiveRate } from './adaptive-rate.js';
import type { SchedulerStateStore } from './store.js';
import type { RateGateClock, RateGateOptions } from './gate-types.js';
import { checkKeys, checkNumber, type OptionKeys } from '../check.js';
import { MAX_TIMER_MS } from '../timer-limit.js';

/*
 * Internal: createRateGate's options, checked once and completed with their defaults.
 */

/** The options of one gate with every default filled in. */
export interface GateSettings {
  readonly clock: RateGateClock;
  readonly releaseWindowMs: number;
  readonly maxClosedMs: number;
  readonly maxOrigins: number;
  readonly probeNewOrigins: boolean;
  readonly adaptive: false | AdaptiveRateOptions;
  readonly store: SchedulerStateStore | undefined;
}

const defaultClock: RateGateClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Checks `options` (a `TypeError` naming the option) and fills in the defaults. */
export function gateSettings(options: RateGateOptions): GateSettings {
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
  return { clock, releaseWindowMs, maxClosedMs, maxOrigins: Math.max(1, Math.floor(maxOrigins)), probeNewOrigins, adaptive, store };
}

/** Every key of {@link RateGateOptions}. */
const GATE_KEYS: OptionKeys<RateGateOptions> = { adaptive: true, clock: true, releaseWindowMs: true, maxClosedMs: true, maxOrigins: true, store: true, probeNewOrigins: true };
