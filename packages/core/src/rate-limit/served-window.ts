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
  const times: number[] = [];
  let head = 0;
  const dropBefore = (from: number): void => {
    while (head < times.length && (times[head] as number) < from) head++;
    if (head > 64 && head * 2 > times.length) {
      times.splice(0, head);
      head = 0;
    }
  };
  return {
    add(now) {
      times.push(now);
      dropBefore(now - 1000);
    },
    servedSince(from, now, fallback) {
      dropBefore(from);
      const span = (now - from) / 1000;
      return span >= 0.05 ? (times.length - head) / span : fallback;
    },
  };
}
