import { fitBucketRate, herdBurst, herdRate, type SendOutcome } from './bucket-fit.js';
import { checkKeys, checkNumber, type NumberRule, type OptionKeys } from '../check.js';

/**
 * The adaptive send rate of one origin: a token bucket whose fill rate follows a CUBIC
 * curve, anchored on AWS SDK v3's adaptive retry mode (β = 0.7, C = 0.4, minimum rate
 * 0.5/s, a measured send rate that caps growth at twice what is actually sent).
 *
 * What differs from the AWS limiter, and why:
 * - The rate to fall back from (CUBIC's W_max) is the rate the server *accepted* over the
 *   last second of sending (non-throttled responses), capped by the current rate. The
 *   send rate at a throttle overshoots the server's limit; the accepted rate is close to
 *   the limit itself.
 * - A first throttle that comes from a herd (less than a second of traffic) does not
 *   come after steady sending, so there is no accepted rate to fall back from. The limiter
 *   learns the server's token bucket instead (see `bucket-fit.ts`):
 *   - when the herd kept hitting a dry bucket for a while (its requests reach the server
 *     over tens of ms, as new connections do), the successes among its refusals give a
 *     rough rate; sending resumes at 0.85 × it and grows by 0.3 × it per second, so the
 *     probe passes the server's rate slowly and drains the saved burst over a long time;
 *   - otherwise it starts slow (the herd's successes, per second) and doubles every
 *     `slowStartDoublingMs`, like TCP slow start, instead of crawling up from 0.5/s.
 * - When a throttle ends that probe, a token bucket is fitted to it: the refill rate for
 *   which the bucket (its burst read from the herd, full when the probe started) refuses
 *   exactly the probe's refused request. It accounts for the saved burst and for the
 *   tokens the bucket wasted while the probe sent slower than the server allowed, which
 *   "accepted ÷ elapsed" gets wrong by 10-25 %. The fit is read cautiously (as if the
 *   burst were larger by a tenth of what the herd refilled, half a token to two) and
 *   becomes W_max; the rate resumes at `probeFloor` (0.99) × it instead of β × it (the
 *   closure the throttle caused is already the back-off), and K doubles, so the probe
 *   past it comes later. A throttle after at least a second of probing from a rough rate
 *   without a fit takes 0.92 × what the server served over the last second (its saved
 *   burst allowed for) the same way; after a second of other sending, the accepted rate
 *   since sending resumed.
 * - When sending resumes after a closure, the burst the server saved meanwhile (as far as
 *   a herd or a fit has shown it) is partly spent at once (0.75 of it).
 * - The CUBIC clock starts when sending resumes (after the gate that a Retry-After
 *   closed), not at the throttle itself, so the curve does not climb while nothing can
 *   be sent.
 * - Throttles that arrive together (one herd) count once: see `coalesceMs`.
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
   * has just been measured (see {@link AdaptiveRate}); the rate then resumes at this
   * fraction of it instead of β × it (and CUBIC's K doubles). Default `0.99`.
   */
  probeFloor?: number;
}

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
  /** Records a throttling response (429, or 503 with a delay). */
  throttled(now: number): void;
  /** Records a response that was not a throttle. */
  accepted(now: number): void;
}

const HALF_SECOND = 500;
const MAX_OUTCOMES = 4096;
/** The probe after a herd with a rough rate starts at this fraction of it… */
const PROBE_START = 0.85;
/** …and grows by this fraction of it per second. */
const PROBE_GROWTH = 0.3;
/** After a probe of a second or more that no bucket fit explains, the rate resumes from this share of what the server served over its last second. */
const SERVED_SHARE = 0.92;
/** The share of the server's refilled burst spent at once when sending resumes. */
const CREDIT = 0.75;

/**
 * Creates the adaptive rate of one origin. The rate gate makes one per origin; use it
 * directly only to build your own limiter.
 *
 * @example
 * ```ts
 * const rate = createAdaptiveRate({ beta: 0.7, scale: 0.4, minRate: 0.5 });
 * if (rate.take(Date.now()) === 0) {
 *   // send
 * }
 * ```
 */
export function createAdaptiveRate(options: AdaptiveRateOptions = {}): AdaptiveRate {
  checkKeys('createAdaptiveRate', options, ADAPTIVE_KEYS);
  const beta = rateOption('beta', options.beta ?? 0.7, { above: true, max: 1 });
  const scale = rateOption('scale', options.scale ?? 0.4, { above: true });
  const minRate = rateOption('minRate', options.minRate ?? 0.5, { above: true });
  const smoothing = rateOption('smoothing', options.smoothing ?? 0.8, { above: true, max: 1 });
  const burstSeconds = rateOption('burstSeconds', options.burstSeconds ?? 0.01, {});
  const doublingMs = rateOption('slowStartDoublingMs', options.slowStartDoublingMs ?? 100, { above: true });
  const coalesceMs = rateOption('coalesceMs', options.coalesceMs ?? 100, {});
  const probeFloor = rateOption('probeFloor', options.probeFloor ?? 0.99, { above: true, max: 1 });

  let enabled = false;
  // Token bucket.
  let tokens = 0;
  let credit = 0; // sends allowed at once when sending resumes: the burst the server saved meanwhile
  let burstEstimate = 0; // the server's burst, once a herd or a probe has shown it
  let lastRefill = 0;
  // CUBIC state.
  let slowStart = false;
  let startRate = minRate;
  let maxRate = minRate; // W_max
  let floorRate = minRate; // β·W_max (or probeFloor·W_max after a probe): the curve never goes below it
  let window = 0; // K, seconds
  let lastThrottle = Number.NEGATIVE_INFINITY;
  let resumedAt: number | undefined; // first send after the last throttle
  // Measurements.
  let firstSend: number | undefined;
  let acceptedCount = 0; // non-throttled responses since `resumedAt` (or since the first send)
  // Times of the non-throttled responses of the last second, from index `recentHead` on: a
  // window that drops its oldest entries by moving the head (Array#shift on a window of
  // thousands of entries copies it every time), compacted once the head passes half of it.
  const recent: number[] = [];
  let recentHead = 0;
  const dropRecentBefore = (from: number): void => {
    while (recentHead < recent.length && (recent[recentHead] as number) < from) recentHead++;
    if (recentHead > 64 && recentHead * 2 > recent.length) {
      recent.splice(0, recentHead);
      recentHead = 0;
    }
  };
  let herd = false; // the first throttle came from a herd; its successes are still arriving
  // The responses from the first send until sending resumes after a herd (cleared after a
  // second without a throttle), and the herd's rough rate (see `herdRate`).
  let herdOutcomes: SendOutcome[] | undefined = [];
  let roughRate: number | undefined;
  let herdAccepted = 0;
  const probeTimes: number[] = []; // the sends of the probe that follows a herd
  let measuredRate = 0;
  let measuredBucket: number | undefined;
  let bucketCount = 0;
  let measuredValid = false;

  function currentRate(now: number): number {
    if (!enabled) return Number.POSITIVE_INFINITY;
    if (resumedAt === undefined) return floorRate;
    const elapsed = Math.max(0, now - resumedAt) / 1000;
    let rate: number;
    if (slowStart) {
      rate =
        roughRate === undefined
          ? startRate * 2 ** ((elapsed * 1000) / doublingMs)
          : roughRate * (PROBE_START + PROBE_GROWTH * elapsed);
    } else {
      rate = Math.max(floorRate, scale * (elapsed - window) ** 3 + maxRate);
      if (measuredValid) rate = Math.min(rate, Math.max(2 * measuredRate, floorRate));
    }
    return Math.max(minRate, Math.min(rate, 1e6));
  }

  function measureSend(now: number): void {
    const bucket = Math.floor(now / HALF_SECOND);
    if (measuredBucket === undefined) measuredBucket = bucket;
    if (bucket !== measuredBucket) {
      const current = bucketCount / (((bucket - measuredBucket) * HALF_SECOND) / 1000);
      measuredRate = measuredValid ? current * smoothing + measuredRate * (1 - smoothing) : current;
      measuredValid = true;
      measuredBucket = bucket;
      bucketCount = 0;
    }
    bucketCount++;
  }

  return {
    get enabled() {
      return enabled;
    },
    rate: currentRate,
    take(now) {
      if (firstSend === undefined) firstSend = now;
      if (!enabled) {
        measureSend(now);
        return 0;
      }
      if (resumedAt === undefined) {
        if (herd) {
          herd = false;
          // The herd's successes among its refusals give a rough rate: probe slowly past
          // it. Without one, start from every success of the herd, per second, and double.
          herdAccepted = acceptedCount;
          roughRate = herdOutcomes === undefined ? undefined : herdRate(herdOutcomes);
          if (roughRate !== undefined) burstEstimate = herdBurst(herdOutcomes as SendOutcome[], roughRate) ?? 0;
          startRate = Math.max(minRate, roughRate === undefined ? acceptedCount : roughRate * PROBE_START);
          floorRate = startRate;
          probeTimes.length = 0;
        }
        // The server refilled its bucket while the gate was closed: spend part of it at once.
        const refilled = Math.min(burstEstimate, ((now - lastThrottle) / 1000) * (roughRate ?? maxRate));
        credit = Math.floor(refilled * CREDIT);
        resumedAt = now;
        lastRefill = now;
        tokens = 1;
        acceptedCount = 0;
        // The measured rate spans the closed gate: start measuring afresh.
        measuredValid = false;
        measuredBucket = undefined;
        bucketCount = 0;
      }
      const rate = currentRate(now);
      const capacity = Math.max(1, rate * burstSeconds);
      tokens = Math.min(capacity, tokens + ((now - lastRefill) / 1000) * rate);
      lastRefill = now;
      if (tokens >= 1 || credit >= 1) {
        if (credit >= 1) credit -= 1;
        else tokens -= 1;
        if (slowStart && probeTimes.length < MAX_OUTCOMES) probeTimes.push(now);
        measureSend(now);
        return 0;
      }
      return Math.max(1, Math.ceil(((1 - tokens) / rate) * 1000));
    },
    throttled(now) {
      record(now, false);
      // Throttles close together, or before any send since the last one, answer requests
      // sent before it: they count once.
      if (now - lastThrottle < coalesceMs || (enabled && resumedAt === undefined)) return;
      if (!enabled) {
        const elapsed = firstSend === undefined ? 0 : now - firstSend;
        if (elapsed < 1000) {
          // A herd: there is no steady rate to fall back from. Its responses are kept to
          // learn the server's bucket when sending resumes (see `take`).
          herd = true;
          slowStart = true;
        } else {
          slowStart = false;
          setMax(Math.max(minRate, acceptedCount / (elapsed / 1000)));
        }
        enabled = true;
      } else {
        const rate = currentRate(now);
        // What the server accepted over the last second of sending (burst included).
        const from = Math.max(resumedAt ?? now, now - 1000);
        dropRecentBefore(from);
        const span = (now - from) / 1000;
        const served = span >= 0.05 ? (recent.length - recentHead) / span : rate;
        const fit = slowStart ? fitted() : undefined;
        if (fit !== undefined) burstEstimate = fit.burst;
        const learned = fit?.rate ?? probed(now, slowStart, served);
        herdOutcomes = undefined;
        roughRate = undefined;
        probeTimes.length = 0;
        slowStart = false;
        if (learned === undefined) setMax(Math.max(minRate, Math.min(rate, served)));
        else setMax(Math.max(minRate, Math.min(rate, learned)), probeFloor);
      }
      lastThrottle = now;
      resumedAt = undefined;
      tokens = 0;
      credit = 0;
    },
    accepted(now) {
      record(now, true);
      acceptedCount++;
      recent.push(now);
      dropRecentBefore(now - 1000);
    },
  };

  /** Keeps a response of the first second, or of a herd until sending resumes. */
  function record(now: number, accepted: boolean): void {
    if (herdOutcomes === undefined || (enabled && !herd)) return;
    if ((!enabled && firstSend !== undefined && now - firstSend >= 1000) || herdOutcomes.length >= MAX_OUTCOMES) {
      herdOutcomes = undefined; // no herd, or too long a one to learn from
      return;
    }
    herdOutcomes.push({ at: now, accepted });
  }

  /**
   * The server's rate and burst from the probe that a throttle just ended (see
   * {@link fitBucketRate}), the burst read from the herd before it. The burst depends on
   * the rate (the herd's successes include refills), so the two are refined together.
   */
  function fitted(): { rate: number; burst: number } | undefined {
    // Responses come back in about the order they were sent: the first `acceptedCount` sends
    // of the probe were accepted, and the next one refused.
    const refusedAt = probeTimes[acceptedCount];
    if (resumedAt === undefined || refusedAt === undefined) return undefined;
    const times = probeTimes.slice(0, acceptedCount);
    let rate: number | undefined;
    let burst = herdAccepted;
    for (let round = 0; round < 3; round++) {
      const guess = rate ?? roughRate;
      burst = (guess !== undefined && herdOutcomes !== undefined ? herdBurst(herdOutcomes, guess) : undefined) ?? herdAccepted;
      const next = fitBucketRate(times, refusedAt, burst, resumedAt);
      if (next === undefined) break;
      rate = next;
    }
    if (rate === undefined) return undefined;
    // The burst is read less surely the more the herd refilled (see `herdBurst`): stay under
    // the rate that a burst larger by a tenth of that refill (at least half a token, at most
    // two) would give. A probe that drained the bucket quickly pins the rate less, and the
    // margin grows with it.
    const doubt = Math.min(2, Math.max(0.5, (herdAccepted - burst) / 10));
    return { rate: Math.min(rate, fitBucketRate(times, refusedAt, burst + doubt, resumedAt) ?? rate), burst };
  }

  /**
   * The rate the server accepted since sending resumed, when that measures its sustained
   * rate: over at least a second of sending, or over a probe that no bucket fit explains.
   */
  function probed(now: number, probing: boolean, served: number): number | undefined {
    if (resumedAt === undefined) return undefined;
    const span = now - resumedAt;
    // A probe from a herd's rough rate that ran a second or more: what the server served over
    // its last second, less the burst it may have saved while the probe started under its
    // rate. The average since sending resumed is dragged down by that start, and pushed up by
    // late answers to requests sent before the closure.
    if (probing && roughRate !== undefined && span >= 1000) return SERVED_SHARE * served;
    return span >= (probing ? 100 : 1000) ? acceptedCount / (span / 1000) : undefined;
  }

  /**
   * Sets CUBIC's W_max and K = ∛(W_max (1 − β) / C). A measured W_max (`fraction` given)
   * is the rate the server just proved it sustains: the rate resumes at `fraction` × it
   * rather than β × it, and K doubles, so the probe past it comes later.
   */
  function setMax(rate: number, fraction?: number): void {
    maxRate = rate;
    floorRate = Math.max(minRate, rate * Math.max(beta, fraction ?? beta));
    window = Math.cbrt((maxRate * (1 - beta)) / scale) * (fraction === undefined ? 1 : 2);
  }
}

function rateOption(name: string, value: unknown, rule: NumberRule): number {
  return checkNumber('createAdaptiveRate', name, value, rule);
}

/** Every key of {@link AdaptiveRateOptions}. */
const ADAPTIVE_KEYS: OptionKeys<AdaptiveRateOptions> = {
  beta: true, scale: true, minRate: true, smoothing: true, burstSeconds: true, slowStartDoublingMs: true, coalesceMs: true, probeFloor: true,
};
