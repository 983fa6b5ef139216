/*
 * Internal: the times of the non-throttled responses of the last second, which tell what
 * the server served just before a throttle.
 */

/** The accepted responses of the last second. */
export interface ServedWindow {
  /** Records one accepted response. */
  add(now: number): void;
  /** Accepted responses per second since `from` (at least 50 ms ago), else `fallback`. */
  servedSince(from: number, now: number, fallback: number): number;
}

/**
 * A window that drops its oldest entries by moving its head (Array#shift on a window of
 * thousands of entries copies it every time), compacted once the head passes half of it.
 */
export function createServedWindow(): ServedWindow {
  return new Served();
}

/** A class, not a closure: one per origin, its methods shared by every origin. */
class Served implements ServedWindow {
  readonly #times: number[] = [];
  #head = 0;

  add(now: number): void {
    this.#times.push(now);
    this.#dropBefore(now - 1000);
  }

  servedSince(from: number, now: number, fallback: number): number {
    this.#dropBefore(from);
    const span = (now - from) / 1000;
    return span >= 0.05 ? (this.#times.length - this.#head) / span : fallback;
  }

  #dropBefore(from: number): void {
    const times = this.#times;
    while (this.#head < times.length && (times[this.#head] as number) < from) this.#head++;
    if (this.#head > 64 && this.#head * 2 > times.length) {
      times.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
