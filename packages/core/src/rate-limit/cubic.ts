/*
 * Internal: the CUBIC curve the adaptive rate grows along after a throttle.
 */

/**
 * CUBIC's W_max, its floor and K: after a throttle the rate is
 * `max(floor, C (t − K)³ + W_max)`, `t` seconds after sending resumed.
 */
export class CubicCurve {
  /** W_max: the rate to fall back from. */
  max: number;
  /** β·W_max (or probeFloor·W_max after a probe): the curve never goes below it. */
  floor: number;
  /** K, in seconds. */
  #window = 0;
  readonly #beta: number;
  readonly #scale: number;
  readonly #minRate: number;

  constructor(beta: number, scale: number, minRate: number) {
    this.#beta = beta;
    this.#scale = scale;
    this.#minRate = minRate;
    this.max = minRate;
    this.floor = minRate;
  }

  /** The curve's rate `elapsed` seconds after sending resumed. */
  at(elapsed: number): number {
    return Math.max(this.floor, this.#scale * (elapsed - this.#window) ** 3 + this.max);
  }

  /**
   * Sets W_max and K = ∛(W_max (1 − β) / C). A measured W_max (`fraction` given) is the
   * rate the server just proved it sustains: the rate resumes at `fraction` × it rather
   * than β × it, and K doubles, so the probe past it comes later.
   */
  setMax(rate: number, fraction?: number): void {
    const beta = this.#beta;
    this.max = rate;
    this.floor = Math.max(this.#minRate, rate * Math.max(beta, fraction ?? beta));
    this.#window = Math.cbrt((rate * (1 - beta)) / this.#scale) * (fraction === undefined ? 1 : 2);
  }
}
