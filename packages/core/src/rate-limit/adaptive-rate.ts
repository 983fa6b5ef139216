import { type AdaptiveRate, type AdaptiveRateOptions, checkAdaptiveKeys, rateOption } from './adaptive-options.js';
import { createHerdProbe, PROBE_START } from './herd-probe.js';
import { createSendMeter } from './send-meter.js';
import { createServedWindow } from './served-window.js';

export type { AdaptiveRate, AdaptiveRateOptions };

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
 * - A throttle with a delay and no success since sending resumed (an outage) learns no rate.
 */

/** The probe after a herd with a rough rate grows by this fraction of it per second. */
const PROBE_GROWTH = 0.3;
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
  checkAdaptiveKeys(options);
  const beta = rateOption('beta', options.beta ?? 0.7, { above: true, max: 1 });
  const scale = rateOption('scale', options.scale ?? 0.4, { above: true });
  const minRate = rateOption('minRate', options.minRate ?? 0.5, { above: true });
  const smoothing = rateOption('smoothing', options.smoothing ?? 0.8, { above: true, max: 1 });
  const burstSeconds = rateOption('burstSeconds', options.burstSeconds ?? 0.01, {});
  const doublingMs = rateOption('slowStartDoublingMs', options.slowStartDoublingMs ?? 100, { above: true });
  const coalesceMs = rateOption('coalesceMs', options.coalesceMs ?? 100, {});
  const probeFloor = rateOption('probeFloor', options.probeFloor ?? 0.99, { above: true, max: 1 });

  const meter = createSendMeter(smoothing);
  const served = createServedWindow();
  let probe = createHerdProbe();
  let enabled = false;
  // Token bucket.
  let tokens = 0;
  let credit = 0; // sends allowed at once when sending resumes: the burst the server saved meanwhile
  let burstEstimate = 0; // the server's burst, once a herd or a probe has shown it
  let lastRefill = 0;
  let slowStart = false; // the probe after a herd (slow start, or growth from its rough rate)
  let startRate = minRate;
  // CUBIC: W_max, the floor the curve never goes below (β·W_max, or probeFloor·W_max after a probe), and K in seconds.
  let maxRate = minRate;
  let floorRate = minRate;
  let window = 0;
  let lastThrottle = Number.NEGATIVE_INFINITY;
  let resumedAt: number | undefined; // first send after the last throttle
  let firstSend: number | undefined;
  let firstAnswer: number | undefined; // the first response since the first send: the first second counts from it
  let lastSend = 0;
  let acceptedCount = 0; // non-throttled responses since `resumedAt` (or since the first send)
  let herd = false; // the first throttle came from a herd; its successes are still arriving

  function currentRate(now: number): number {
    if (!enabled) return Number.POSITIVE_INFINITY;
    if (resumedAt === undefined) return floorRate;
    const elapsed = Math.max(0, now - resumedAt) / 1000;
    let rate: number;
    const rough = probe.roughRate;
    if (slowStart) {
      rate = rough === undefined ? startRate * 2 ** ((elapsed * 1000) / doublingMs) : rough * (PROBE_START + PROBE_GROWTH * elapsed);
    } else {
      rate = Math.max(floorRate, scale * (elapsed - window) ** 3 + maxRate);
      if (meter.valid) rate = Math.min(rate, Math.max(2 * meter.rate, floorRate));
    }
    return Math.max(minRate, Math.min(rate, 1e6));
  }

  /** The first send after a closure: the probe starts, and part of the server's saved burst is spent at once. */
  function resume(now: number): void {
    if (herd) {
      herd = false;
      // The herd's successes among its refusals give a rough rate: probe slowly past
      // it. Without one, start from every success of the herd, per second, and double.
      const burst = probe.start(acceptedCount);
      if (burst !== undefined) burstEstimate = burst;
      const rough = probe.roughRate;
      startRate = Math.max(minRate, rough === undefined ? acceptedCount : rough * PROBE_START);
      floorRate = startRate;
    }
    // The server refilled its bucket while the gate was closed: spend part of it at once.
    const refilled = Math.min(burstEstimate, ((now - lastThrottle) / 1000) * (probe.roughRate ?? maxRate));
    credit = Math.floor(refilled * CREDIT);
    resumedAt = now;
    lastRefill = now;
    tokens = 1;
    acceptedCount = 0;
    meter.restart(); // the measured rate spans the closed gate
  }

  function take(now: number): number {
    if (firstSend === undefined) firstSend = now;
    if (!enabled) {
      // A second without sends starts the first second afresh: a throttle after it comes
      // from a herd, and no rate is averaged over the idle time.
      if (now - lastSend >= 1000 && now > firstSend) {
        firstSend = now;
        firstAnswer = undefined;
        acceptedCount = 0;
        probe = createHerdProbe();
      }
      lastSend = now;
      meter.count(now);
      return 0;
    }
    if (resumedAt === undefined) resume(now);
    const rate = currentRate(now);
    const capacity = Math.max(1, rate * burstSeconds);
    tokens = Math.min(capacity, tokens + ((now - lastRefill) / 1000) * rate);
    lastRefill = now;
    if (tokens < 1 && credit < 1) {
      // A slow start doubles its rate every `doublingMs`: a wait at the current rate (2 s at
      // 0.5/s) would outlast the curve, so look again after two doublings at most.
      const wait = ((1 - tokens) / rate) * 1000;
      return Math.max(1, Math.ceil(slowStart ? Math.min(wait, 2 * doublingMs) : wait));
    }
    if (credit >= 1) credit -= 1;
    else tokens -= 1;
    if (slowStart) probe.sent(now);
    meter.count(now);
    return 0;
  }

  /** The first throttle: a herd (no steady rate to fall back from), or after a second or more of sending. */
  function enable(now: number): void {
    // Counted from the first answer, not the first send: a new origin's attempts wait for its
    // first answer, so the herd leaves then; a busy client (thousands of calls fired at once)
    // can put that first request on the wire hundreds of ms after it took its turn.
    const elapsed = firstAnswer === undefined ? 0 : now - firstAnswer;
    // A herd's responses are kept to learn the server's bucket when sending resumes (see `resume`).
    herd = slowStart = elapsed < 1000;
    if (!herd) setMax(Math.max(minRate, acceptedCount / (elapsed / 1000)));
    enabled = true;
  }

  /** A later throttle: fall back from what the server accepted (or was fitted to) over the last second. */
  function fallBack(now: number): void {
    const rate = currentRate(now);
    // What the server accepted over the last second of sending (burst included).
    const servedRate = served.servedSince(Math.max(resumedAt ?? now, now - 1000), now, rate);
    const fit = slowStart ? probe.fit(acceptedCount, resumedAt) : undefined;
    if (fit !== undefined) burstEstimate = fit.burst;
    const learned = fit?.rate ?? probe.probed(now, slowStart, servedRate, acceptedCount, resumedAt);
    probe.end();
    slowStart = false;
    if (learned === undefined) setMax(Math.max(minRate, Math.min(rate, servedRate)));
    else setMax(Math.max(minRate, Math.min(rate, learned)), probeFloor);
  }

  /**
   * Sets CUBIC's W_max and K = ∛(W_max (1 − β) / C). A measured W_max (`fraction` given)
   * is the rate the server just proved it sustains: the rate resumes at `fraction` × it
   * rather than β × it, and K doubles, so the probe past it comes later.
   */
  function setMax(rate: number, fraction?: number): void {
    maxRate = rate;
    floorRate = Math.max(minRate, rate * Math.max(beta, fraction ?? beta));
    window = Math.cbrt((rate * (1 - beta)) / scale) * (fraction === undefined ? 1 : 2);
  }

  /** Keeps a response of the first second, or of a herd until sending resumes. */
  function record(now: number, accepted: boolean): void {
    if (!enabled) firstAnswer ??= now;
    if (enabled && !herd) return;
    probe.record(now, accepted, !enabled && firstAnswer !== undefined && now - firstAnswer >= 1000);
  }

  return {
    get enabled() {
      return enabled;
    },
    rate: currentRate,
    take,
    throttled(now, paced) {
      record(now, false);
      // Throttles close together, or before any send since the last one, answer requests
      // sent before it: they count once.
      if (now - lastThrottle < coalesceMs || (enabled && resumedAt === undefined)) return;
      // Refused since sending resumed, with a delay to wait (an outage): the closure paces it,
      // and a rate "learnt" from no successes would cap the recovery near `minRate`.
      if (paced && enabled && acceptedCount === 0) probe.forgetSends();
      else if (enabled) fallBack(now);
      else enable(now);
      lastThrottle = now;
      resumedAt = undefined;
      tokens = 0;
      credit = 0;
    },
    accepted(now) {
      record(now, true);
      acceptedCount++;
      served.add(now);
    },
  };
}
