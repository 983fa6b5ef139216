import { checkKeys, checkNumber, type NumberRule, type OptionKeys } from '../check.js';

/*
 * Internal: the adaptive rate's options (the type is public, through adaptive-rate.ts) and
 * their checks.
 */

/**
 * Tuning of the adaptive rate ({@link RateGateOptions.adaptive}). Every field has the default shown.
 *
 * @example
 * ```ts
 * const options: AdaptiveRateOptions = { beta: 0.8, minRate: 1 };
 * ```
 */
export interface AdaptiveRateOptions {
  /** Multiplicative decrease on a throttle (CUBIC β). Default `0.7`. */
  beta?: number;
  /** How fast the rate probes back up after a throttle (CUBIC C, in requests/s³). Default `0.4`. */
  scale?: number;
  /** The rate never goes below this many requests per second. Default `0.5`. */
  minRate?: number;
  /** Smoothing of the measured send rate (weight of the newest half-second). Default `0.8`. */
  smoothing?: number;
  /** Tokens the bucket may save up, in seconds of the current rate (at least one token). Default `0.01`. */
  burstSeconds?: number;
  /** Doubling period of the slow start that follows a first throttle from a herd. Default `100` ms. */
  slowStartDoublingMs?: number;
  /** Throttles closer together than this count as one. Default `100` ms. */
  coalesceMs?: number;
  /**
   * When a throttle ends the slow start that follows a herd, the server's sustained rate
   * has just been measured (see `createAdaptiveRate`); the rate then resumes at this
   * fraction of it instead of β × it (and CUBIC's K doubles). Default `0.99`.
   */
  probeFloor?: number;
}

/** Checks the keys of `options` (unknown ones refused with the closest known one). */
export function checkAdaptiveKeys(options: AdaptiveRateOptions): void {
  checkKeys('createAdaptiveRate', options, ADAPTIVE_KEYS);
}

/** Checks one numeric option of the adaptive rate. */
export function rateOption(name: string, value: unknown, rule: NumberRule): number {
  return checkNumber('createAdaptiveRate', name, value, rule);
}

/** Every key of {@link AdaptiveRateOptions}. */
const ADAPTIVE_KEYS: OptionKeys<AdaptiveRateOptions> = {
  beta: true, scale: true, minRate: true, smoothing: true, burstSeconds: true, slowStartDoublingMs: true, coalesceMs: true, probeFloor: true,
};

/**
 * The adaptive rate of one origin. Times are milliseconds on the caller's clock.
 *
 * @example
 * ```ts
 * const rate = createAdaptiveRate();
 * rate.throttled(Date.now());
 * const wait = rate.take(Date.now()); // 0 = send now (a token was taken), else ms to wait
 * ```
 */
export interface AdaptiveRate {
  /** `false` until the first throttle: until then `take` always returns 0 and costs nothing. */
  readonly enabled: boolean;
  /** The current send rate in requests per second (`Infinity` while not enabled). */
  rate(now: number): number;
  /** Takes a send token: returns 0 when one was taken, else the ms until one is available. */
  take(now: number): number;
  /**
   * Records a throttling response (429, or 503 with a delay). `paced`: it came with the
   * delay the server asked for (the gate closes for it). Such a throttle, with nothing
   * accepted since sending resumed, teaches no rate: the rate resumes as it was.
   */
  throttled(now: number, paced?: boolean): void;
  /** Records a response that was not a throttle. */
  accepted(now: number): void;
}
