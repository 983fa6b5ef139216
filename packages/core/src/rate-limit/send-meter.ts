/*
 * Internal: the measured send rate of one origin (sends per half-second, smoothed), which
 * caps the adaptive rate's growth at twice what is actually sent (as AWS SDK v3 does).
 */

const HALF_SECOND = 500;

/** The send rate an origin actually sends at, measured over half-second buckets. */
export interface SendMeter {
  /** `false` until one half-second has passed since the (re)start. */
  readonly valid: boolean;
  /** The smoothed send rate in requests per second (meaningful once `valid`). */
  readonly rate: number;
  /** Counts one send. */
  count(now: number): void;
  /** Starts measuring afresh (the last measure spans a closed gate). */
  restart(): void;
}

/** A meter whose newest half-second weighs `smoothing` in the smoothed rate. */
export function createSendMeter(smoothing: number): SendMeter {
  let rate = 0;
  let valid = false;
  let bucket: number | undefined;
  let sends = 0;
  return {
    get valid() {
      return valid;
    },
    get rate() {
      return rate;
    },
    count(now) {
      const current = Math.floor(now / HALF_SECOND);
      if (bucket === undefined) bucket = current;
      if (current !== bucket) {
        const measured = sends / (((current - bucket) * HALF_SECOND) / 1000);
        rate = valid ? measured * smoothing + rate * (1 - smoothing) : measured;
        valid = true;
        bucket = current;
        sends = 0;
      }
      sends++;
    },
    restart() {
      valid = false;
      bucket = undefined;
      sends = 0;
    },
  };
}
