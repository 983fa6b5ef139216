/**
 * Reading a server's token bucket from its responses. Response times stand in for the
 * times the server decided: the offset between the two cancels out.
 */

/**
 * One response: when it arrived (ms) and whether the server accepted it.
 *
 * @example
 * ```ts
 * const refused: SendOutcome = { at: Date.now(), accepted: false }; // a 429
 * ```
 */
export interface SendOutcome {
  /** When the response arrived, in milliseconds on the caller's clock. */
  at: number;
  /** `true` when the server accepted the request; `false` for a refusal such as a 429. */
  accepted: boolean;
}

/** Fits above this many requests per second give up: the probe cannot tell. */
const MAX_RATE = 1e7;

/**
 * A rough refill rate from a herd: once the server starts refusing, its bucket is dry, and
 * what it still accepts among the refusals is what it refills. Returns `undefined` when
 * fewer than `minSamples` successes came after the first refusal, or they span less than
 * `minSpan` ms (too short to time).
 *
 * @example
 * ```ts
 * // 20 accepted, then 1 accepted among every 4 refusals, every ms: 200/s.
 * const herd: SendOutcome[] = [];
 * for (let i = 0; i < 20; i++) herd.push({ at: 0, accepted: true });
 * for (let i = 0; i < 25; i++) herd.push({ at: 1 + i, accepted: i % 5 === 4 });
 * const rate = herdRate(herd); // 5 successes in the 24 ms after the first refusal: ≈ 208
 * ```
 */
export function herdRate(herd: readonly SendOutcome[], minSamples = 4, minSpan = 20): number | undefined {
  const refused = herd.findIndex((outcome) => !outcome.accepted);
  if (refused < 0) return undefined;
  let accepted = 0;
  for (let index = refused; index < herd.length; index++) if ((herd[index] as SendOutcome).accepted) accepted++;
  const from = (herd[refused] as SendOutcome).at;
  const to = (herd[herd.length - 1] as SendOutcome).at;
  if (accepted < minSamples || to - from < minSpan) return undefined;
  return (accepted * 1000) / (to - from);
}

/**
 * The burst a herd shows, given the refill rate: the most that it accepted over any span
 * from one success to a later one, less what the bucket refilled over that span (the
 * smallest bucket that accepts every success of the herd). Its requests reached the server
 * unevenly (a busy event loop, new connections): spans where they came slower than the
 * refill left the bucket full and wasted refills, so the span from the first response to
 * the last success reads the burst short, and the densest span is the closest. (Counting
 * the successes before the first refusal would be thrown off by responses that overtake
 * each other.)
 *
 * @example
 * ```ts
 * const herd: SendOutcome[] = [];
 * for (let i = 0; i < 25; i++) herd.push({ at: i, accepted: true }); // 25 in 24 ms
 * herd.push({ at: 25, accepted: false });
 * const burst = herdBurst(herd, 200); // 25 − 4.8 = 20.2
 * ```
 */
export function herdBurst(herd: readonly SendOutcome[], rate: number): number | undefined {
  let accepted = 0;
  let burst = 0;
  let lowest = Number.POSITIVE_INFINITY; // over the successes so far: (successes before it) − refill by its time
  const start = herd[0]?.at ?? 0;
  for (const outcome of herd) {
    if (!outcome.accepted) continue;
    const refilled = ((outcome.at - start) / 1000) * rate;
    lowest = Math.min(lowest, accepted - refilled);
    accepted++;
    burst = Math.max(burst, accepted - refilled - lowest);
  }
  return accepted === 0 ? undefined : Math.max(1, burst);
}

/**
 * Fits the refill rate of a server's token bucket to a probe. The probe starts at `start`
 * with the bucket full (`burst` tokens: a closed gate gave it time to refill); `times`
 * are the times of the requests the server accepted, in order, and `refusedAt` the time
 * of the first one it refused. Send times and arrival times both do: a constant network
 * delay cancels out. The result is the middle of the rates (per second) for
 * which a bucket of `burst` tokens, fed those requests, refuses exactly that one. Unlike
 * "accepted ÷ elapsed", it is not thrown off by the saved burst or by the tokens the
 * bucket wasted while the probe sent slower than the server allows.
 *
 * Returns `undefined` when no rate explains the outcome.
 *
 * @example
 * ```ts
 * // 20 saved tokens, then a success every 4 ms until a refusal at 400 ms: 200/s.
 * const times = Array.from({ length: 100 }, (_, i) => i * 4);
 * const rate = fitBucketRate(times, 400, 20, 0); // ≈ 202 (200 to 205 explain it)
 * ```
 */
export function fitBucketRate(times: readonly number[], refusedAt: number, burst: number, start: number): number | undefined {
  if (times.length === 0 || burst < 1 || refusedAt <= start) return undefined;
  const sends = [...times, refusedAt];
  const refused = times.length;
  let high = (refused + 1) / ((refusedAt - start) / 1000);
  while (firstRefusal(sends, burst, start, high) <= refused) {
    high *= 2;
    if (high > MAX_RATE) return undefined;
  }
  if (firstRefusal(sends, burst, start, 0) >= refused) return undefined; // the burst alone explains it
  const low = lowest(sends, burst, start, high, (index) => index >= refused);
  return (low + lowest(sends, burst, start, high, (index) => index > refused)) / 2;
}

/** The smallest rate in [0, high] (to 0.1 %) whose first refusal satisfies `enough`. */
function lowest(sends: readonly number[], burst: number, start: number, high: number, enough: (index: number) => boolean): number {
  let lo = 0;
  let hi = high;
  while (hi - lo > hi * 0.001) {
    const mid = (lo + hi) / 2;
    if (enough(firstRefusal(sends, burst, start, mid))) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The index of the first request a bucket of `burst` tokens refilling at `rate`/s refuses (`sends.length` if none). */
function firstRefusal(sends: readonly number[], burst: number, start: number, rate: number): number {
  let tokens = burst;
  let time = start;
  for (let index = 0; index < sends.length; index++) {
    const at = sends[index] as number;
    tokens = Math.min(burst, tokens + ((at - time) / 1000) * rate);
    time = at;
    if (tokens < 1) return index;
    tokens -= 1;
  }
  return sends.length;
}
