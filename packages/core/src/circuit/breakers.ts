import { checkKeys, type OptionKeys } from '../check.js';

/**
 * The counting of one circuit while it is closed: records outcomes and says when to open.
 *
 * @example
 * ```ts
 * const counter = consecutiveBreaker({ threshold: 3 }).create();
 * counter.failure(Date.now()); // false: 1 of 3
 * ```
 */
export interface BreakerCounter {
  /** Records a success. */
  success(now: number): void;
  /** Records a failure; `true` when the circuit should open now. */
  failure(now: number): boolean;
  /** A short description of why it opened, for the CircuitOpenError message. */
  describe(): string;
}

/**
 * When a closed circuit opens. Make one with {@link consecutiveBreaker} or
 * {@link samplingBreaker}; each circuit (origin) gets its own counter from `create()`.
 *
 * @example
 * ```ts
 * const policy: BreakerPolicy = samplingBreaker({ threshold: 0.5, duration: 30_000, minimumThroughput: 20 });
 * ```
 */
export interface BreakerPolicy {
  /** Which policy this is. */
  readonly kind: 'consecutive' | 'sampling';
  /** A fresh counter, for a new circuit or one that just closed. */
  create(): BreakerCounter;
}

/**
 * Options of {@link consecutiveBreaker}.
 *
 * @example
 * ```ts
 * const options: ConsecutiveBreakerOptions = { threshold: 5 };
 * ```
 */
export interface ConsecutiveBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  threshold?: number;
}

/**
 * Opens the circuit after `threshold` failures in a row; any success resets the count.
 *
 * @example
 * ```ts
 * const breaker = circuitBreaker({ breaker: consecutiveBreaker({ threshold: 5 }), halfOpenAfter: 10_000 });
 * ```
 */
export function consecutiveBreaker(options: ConsecutiveBreakerOptions = {}): BreakerPolicy {
  if (options === null || typeof options !== 'object') throw new TypeError(`consecutiveBreaker(): expected an options object, got ${options === null ? 'null' : typeof options}.`);
  checkKeys('consecutiveBreaker()', options, CONSECUTIVE_KEYS);
  const threshold = options.threshold ?? 5;
  if (!Number.isInteger(threshold) || threshold < 1) {
    throw new TypeError(`consecutiveBreaker(): "threshold" must be an integer ≥ 1, got ${String(threshold)}.`);
  }
  return {
    kind: 'consecutive',
    create() {
      let failures = 0;
      return {
        success() {
          failures = 0;
        },
        failure() {
          failures++;
          return failures >= threshold;
        },
        describe: () => `${failures} consecutive failures`,
      };
    },
  };
}

/**
 * Options of {@link samplingBreaker}.
 *
 * @example
 * ```ts
 * const options: SamplingBreakerOptions = { threshold: 0.2, duration: 10_000, minimumThroughput: 50 };
 * ```
 */
export interface SamplingBreakerOptions {
  /** The failure rate, in (0, 1], that opens the circuit. Default 0.5. */
  threshold?: number;
  /** The sliding window the rate is measured over, in ms. Default 30 000. */
  duration?: number;
  /** The fewest requests in the window before the rate counts. Default 20. */
  minimumThroughput?: number;
}

/** The window is kept as this many buckets, each `duration / BUCKETS` long. */
const BUCKETS = 10;

/**
 * Opens the circuit when the failure rate over the last `duration` ms reaches `threshold`,
 * once at least `minimumThroughput` requests were seen in that window.
 *
 * @example
 * ```ts
 * const breaker = circuitBreaker({ breaker: samplingBreaker({ threshold: 0.5, duration: 30_000, minimumThroughput: 20 }) });
 * ```
 */
export function samplingBreaker(options: SamplingBreakerOptions = {}): BreakerPolicy {
  if (options === null || typeof options !== 'object') throw new TypeError(`samplingBreaker(): expected an options object, got ${options === null ? 'null' : typeof options}.`);
  checkKeys('samplingBreaker()', options, SAMPLING_KEYS);
  const threshold = options.threshold ?? 0.5;
  const duration = options.duration ?? 30_000;
  const minimum = options.minimumThroughput ?? 20;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) {
    throw new TypeError(`samplingBreaker(): "threshold" must be a failure rate in (0, 1], got ${String(threshold)}.`);
  }
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < BUCKETS) {
    throw new TypeError(`samplingBreaker(): "duration" must be a finite number of ms ≥ ${BUCKETS}, got ${String(duration)}.`);
  }
  if (!Number.isInteger(minimum) || minimum < 1) {
    throw new TypeError(`samplingBreaker(): "minimumThroughput" must be an integer ≥ 1, got ${String(minimum)}.`);
  }
  const width = duration / BUCKETS;
  return {
    kind: 'sampling',
    create() {
      const buckets = Array.from({ length: BUCKETS }, () => ({ slot: -1, successes: 0, failures: 0 }));
      let rate = 0;
      let total = 0;
      const bucketAt = (now: number) => {
        const slot = Math.floor(now / width);
        const bucket = buckets[slot % BUCKETS] as (typeof buckets)[number];
        if (bucket.slot !== slot) Object.assign(bucket, { slot, successes: 0, failures: 0 });
        return bucket;
      };
      const measure = (now: number) => {
        const oldest = Math.floor(now / width) - BUCKETS + 1;
        let failures = 0;
        total = 0;
        for (const bucket of buckets) {
          if (bucket.slot < oldest) continue;
          failures += bucket.failures;
          total += bucket.failures + bucket.successes;
        }
        rate = total === 0 ? 0 : failures / total;
        return total >= minimum && rate >= threshold;
      };
      return {
        success(now) {
          bucketAt(now).successes++;
        },
        failure(now) {
          bucketAt(now).failures++;
          return measure(now);
        },
        describe: () => `a failure rate of ${Math.round(rate * 100)} % over ${total} requests in ${duration} ms`,
      };
    },
  };
}

const CONSECUTIVE_KEYS: OptionKeys<ConsecutiveBreakerOptions> = { threshold: true };
const SAMPLING_KEYS: OptionKeys<SamplingBreakerOptions> = { threshold: true, duration: true, minimumThroughput: true };
