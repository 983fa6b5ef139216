/**
 * Waits `ms`, ending at once (rejecting with the signal's reason) when `signal` aborts.
 * The timer and the listener are released on both paths.
 *
 * @example
 * ```ts
 * await sleep(250, AbortSignal.timeout(1_000));
 * ```
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
