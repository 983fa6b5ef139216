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
  return new Meter(smoothing);
}

/** A class, not a closure: one per origin, its methods shared by every origin. */
class Meter implements SendMeter {
  rate = 0;
  valid = false;
  #bucket: number | undefined;
  #sends = 0;
  readonly #smoothing: number;

  constructor(smoothing: number) {
    this.#smoothing = smoothing;
  }

  count(now: number): void {
    const current = Math.floor(now / HALF_SECOND);
    if (this.#bucket === undefined) this.#bucket = current;
    if (current !== this.#bucket) {
      const measured = this.#sends / (((current - this.#bucket) * HALF_SECOND) / 1000);
      this.rate = this.valid ? measured * this.#smoothing + this.rate * (1 - this.#smoothing) : measured;
      this.valid = true;
      this.#bucket = current;
      this.#sends = 0;
    }
    this.#sends++;
  }

  restart(): void {
    this.valid = false;
    this.#bucket = undefined;
    this.#sends = 0;
  }
}
