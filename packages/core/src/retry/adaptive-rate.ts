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
 * - A first throttle that comes from a herd (less than a second of traffic) says nothing
 *   about the server's rate: the limiter then starts slow (the successes seen in that
 *   herd, per second) and doubles every `slowStartDoublingMs` until the next throttle,
 *   like TCP slow start, instead of crawling up from 0.5/s.
 * - When a throttle ends that slow start (or comes after at least a second of sending),
 *   the rate the server accepted since sending resumed measures its sustained rate. It
 *   becomes W_max, the rate resumes at `probeFloor` (0.97) × it instead of β × it (the
 *   closure the throttle caused is already the back-off), and K doubles, so the probe past
 *   the measured rate comes later. In the rate-limit scenario this avoids a third throttle.
 * - The CUBIC clock starts when sending resumes (after the gate that a Retry-After
 *   closed), not at the throttle itself, so the curve does not climb while nothing can
 *   be sent.
 * - Throttles that arrive together (one herd) count once: see `coalesceMs`.
 */

/**
 * Tuning of {@link createAdaptiveRate}. Every field has the default shown.
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
   * has just been measured (see {@link createAdaptiveRate}); the rate then resumes at this
   * fraction of it instead of β × it (and CUBIC's K doubles). Default `0.97`.
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
  const beta = checkNumber('beta', options.beta ?? 0.7, 0, 1);
  const scale = checkNumber('scale', options.scale ?? 0.4, 0);
  const minRate = checkNumber('minRate', options.minRate ?? 0.5, 0);
  const smoothing = checkNumber('smoothing', options.smoothing ?? 0.8, 0, 1);
  const burstSeconds = checkNumber('burstSeconds', options.burstSeconds ?? 0.01, -1);
  const doublingMs = checkNumber('slowStartDoublingMs', options.slowStartDoublingMs ?? 100, 0);
  const coalesceMs = checkNumber('coalesceMs', options.coalesceMs ?? 100, -1);
  const probeFloor = checkNumber('probeFloor', options.probeFloor ?? 0.97, 0, 1);

  let enabled = false;
  // Token bucket.
  let tokens = 0;
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
  const recent: number[] = []; // times of the non-throttled responses of the last second
  let herd = false; // the first throttle came from a herd; its successes are still arriving
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
      rate = startRate * 2 ** ((elapsed * 1000) / doublingMs);
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
          // Every response the server accepted from the first herd, per second.
          herd = false;
          startRate = Math.max(minRate, acceptedCount);
          floorRate = startRate;
        }
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
      if (tokens >= 1) {
        tokens -= 1;
        measureSend(now);
        return 0;
      }
      return Math.max(1, Math.ceil(((1 - tokens) / rate) * 1000));
    },
    throttled(now) {
      // Throttles close together, or before any send since the last one, answer requests
      // sent before it: they count once.
      if (now - lastThrottle < coalesceMs || (enabled && resumedAt === undefined)) return;
      if (!enabled) {
        const elapsed = firstSend === undefined ? 0 : now - firstSend;
        if (elapsed < 1000) {
          // A herd: it tells the burst, not the rate. Start slow (the herd's successes
          // per second, counted when sending resumes) and double.
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
        while (recent.length > 0 && (recent[0] as number) < from) recent.shift();
        const span = (now - from) / 1000;
        const served = span >= 0.05 ? recent.length / span : rate;
        const learned = probed(now, slowStart);
        slowStart = false;
        if (learned === undefined) setMax(Math.max(minRate, Math.min(rate, served)));
        else setMax(Math.max(minRate, Math.min(rate, learned)), probeFloor);
      }
      lastThrottle = now;
      resumedAt = undefined;
      tokens = 0;
    },
    accepted(now) {
      acceptedCount++;
      recent.push(now);
      while ((recent[0] as number) < now - 1000) recent.shift();
    },
  };

  /**
   * The rate the server accepted since sending resumed, when that measures its sustained
   * rate: over the probe that a throttle just ended (its slow ramp offsets the burst the
   * server saved up while the gate was closed), or over at least a second of sending.
   */
  function probed(now: number, probing: boolean): number | undefined {
    if (resumedAt === undefined) return undefined;
    const span = now - resumedAt;
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

/** `value` must be a finite number above `above` (exclusive) and at most `atMost`. */
function checkNumber(name: string, value: unknown, above: number, atMost = Number.POSITIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= above || value > atMost || value < 0) {
    const range = atMost === Number.POSITIVE_INFINITY ? (above < 0 ? '>= 0' : `> ${above}`) : `in (${above}, ${atMost}]`;
    throw new TypeError(`createAdaptiveRate: option "${name}" must be a finite number ${range}; got ${String(value)}.`);
  }
  return value;
}
