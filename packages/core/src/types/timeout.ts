/**
 * A per-phase deadline in milliseconds, or `false` for none.
 *
 * @example
 * ```ts
 * const attempt: TimeoutValue = 10_000;
 * const total: TimeoutValue = false; // no overall deadline
 * const deadlines = timeout({ attempt, total });
 * ```
 */
export type TimeoutValue = number | false;

/**
 * Options of {@link timeout}. Give `total`, `attempt` or both; `false` installs the
 * phase with no default deadline, so that a per-request `timeout` option can set one.
 *
 * @example
 * ```ts
 * const options: TimeoutOptions = { total: 30_000, attempt: 5_000 };
 * ```
 */
export interface TimeoutOptions {
  /** Deadline of one network attempt, in ms. */
  attempt?: TimeoutValue;
  /** Deadline of the whole logical request (all attempts and waits), in ms. */
  total?: TimeoutValue;
}
