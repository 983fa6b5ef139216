import type { Context, TimeoutOptions, TimeoutValue } from '../types/index.js';
import { checkKeys, checkNumber, type OptionKeys, optionError } from '../check.js';

/*
 * Internal: the timeout middleware's options, its own and a request's, read into the
 * deadlines in force.
 */

/** setTimeout's largest delay; longer ones fire at once. */
const MAX_DELAY = 2_147_483_647;

/** The two deadlines: each attempt's, and the whole logical request's. */
export type Phase = 'attempt' | 'total';

/** A deadline in force: its phase and its length in ms. */
export type Deadline = readonly [Phase, number];

/** The deadlines in force for `phases`: a request's `timeout` option over the defaults. */
export function activeDeadlines(phases: readonly Phase[], defaults: Record<Phase, TimeoutValue>, context: Context | undefined): Deadline[] {
  const active: Deadline[] = [];
  for (const phase of phases) {
    const ms = context ? effective(phase, defaults[phase], context) : defaults[phase];
    if (ms !== false) active.push([phase, ms]);
  }
  return active;
}

function effective(phase: Phase, fallback: TimeoutValue, context: Context): TimeoutValue {
  const option = context.options.timeout;
  if (option === undefined) return fallback;
  if (option === false) return false;
  if (typeof option === 'number') return phase === 'total' ? validate(option, 'timeout (per-request option)', 'timeout') : fallback;
  if (typeof option !== 'object' || option === null) {
    throw optionError(`The "timeout" request option must be a number, false or { attempt, total }, got ${String(option)}.`);
  }
  checkKeys('timeout (per-request option)', option, TIMEOUT_KEYS);
  const value = option[phase];
  return value === undefined ? fallback : validate(value, 'timeout (per-request option)', `timeout.${phase}`);
}

/** A deadline value checked: `false` or ms in (0, the longest timer]. */
export function validate(value: unknown, where: string, name: string): TimeoutValue {
  return value === false ? false : checkNumber(where, name, value, { unit: 'ms', above: true, max: MAX_DELAY, maxReason: 'the longest timer' });
}

/** Every key of {@link TimeoutOptions}. */
export const TIMEOUT_KEYS: OptionKeys<TimeoutOptions> = { total: true, attempt: true };
