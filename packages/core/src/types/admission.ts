/**
 * The gate an attempt must pass before it goes on the wire (see `createRateGate`). The
 * concurrency middleware passes it after the slot queue, giving the slot back while the
 * origin is closed; without one, the attempt timeout (or the terminal fetch) passes it.
 *
 * @example
 * ```ts
 * const onlyWhenOpen = async (admission: AttemptAdmission, signal: AbortSignal) => {
 *   while (!admission.passed) {
 *     const epoch = await admission.wait(signal);
 *     if (admission.stillValid(epoch) && admission.pass()) return;
 *   }
 * };
 * ```
 */
export interface AttemptAdmission {
  /** `true` once the attempt has been admitted and may go on the wire. */
  readonly passed: boolean;
  /** Waits until the origin admits the attempt (open, paced), holding nothing; resolves with the origin's epoch then. */
  wait(signal: AbortSignal): Promise<number>;
  /** Whether an admission granted at `epoch` still holds now (the origin has not closed or been throttled since). */
  stillValid(epoch: number): boolean;
  /**
   * Passes at once when the origin admits the attempt right now (open, nobody waiting, a
   * turn free): the wait and the last look in one synchronous step. `false` (or absent)
   * means wait as usual. Optional: an admission without it is always waited for.
   */
  passNow?(): boolean;
  /**
   * The last look, right before the wire: counts the attempt against the origin's
   * announced quota and marks it as sent; `false` when the origin has no room right now
   * (the attempt gives back what it holds and waits again).
   */
  pass(): boolean;
  /**
   * Feeds the attempt's response (`undefined`: no response) to the gate, once. The
   * concurrency middleware calls it before it frees the slot, so that the next waiter is
   * admitted by a gate that already knows (a 429 closed it, a quota ran out).
   */
  settle(response: Response | undefined): void;
}
