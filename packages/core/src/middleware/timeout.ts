import type { Context, Middleware, TimeoutOptions, TimeoutValue } from '../types/index.js';

export type { TimeoutOptions, TimeoutValue };
import { TimeoutError } from '../errors.js';
import { discard } from '../discard.js';
import { heldTimeout, passAdmission } from '../rate-limit/admission.js';
import { checkKeys, checkNumber, type OptionKeys } from '../check.js';



/** setTimeout's largest delay; longer ones fire at once. */
const MAX_DELAY = 2_147_483_647;

type Phase = 'attempt' | 'total';

/**
 * Deadline signals made here without `AbortSignal.any`: they follow their outer signal
 * only while their layer runs, and never abort once it has settled (timers cleared,
 * forwarding removed). A layer nested inside may follow one the same cheap way.
 */
const settling = new WeakSet<AbortSignal>();

/**
 * Enforces deadlines with an `AbortSignal`, combined with the caller's. A deadline runs
 * until the response headers arrive (the body is read later, under the caller's signal
 * only); when it passes, the request rejects with a {@link TimeoutError} whose `phase`
 * says which one. A caller's own abort rejects with the caller's reason, never a
 * `TimeoutError`. Timers are cleared on every path.
 *
 * Its name is `timeout.total` (only `total`), `timeout.attempt` (only `attempt`) or
 * `timeout` (both). In the standard chain the total deadline sits outside retry and the
 * attempt deadline inside it.
 *
 * @example
 * ```ts
 * const pipeline = compose([timeout({ total: 30_000 }), retry(), timeout({ attempt: 5_000 })]);
 * await pipeline('https://api.example.com/slow', { timeout: { attempt: 20_000 } });
 * ```
 */
export function timeout(options: TimeoutOptions): Middleware {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`timeout(): expected an options object such as { total: 30000 }, got ${String(options)}.`);
  }
  checkKeys('timeout()', options, TIMEOUT_KEYS);
  const phases: Phase[] = [];
  if (options.total !== undefined) phases.push('total');
  if (options.attempt !== undefined) phases.push('attempt');
  if (phases.length === 0) throw new TypeError('timeout(): give "total", "attempt" or both (in ms, or false).');
  const defaults: Record<Phase, TimeoutValue> = {
    total: options.total === undefined ? false : validate(options.total, 'timeout()', 'total'),
    attempt: options.attempt === undefined ? false : validate(options.attempt, 'timeout()', 'attempt'),
  };
  const name = phases.length === 2 ? 'timeout' : `timeout.${phases[0]}`;

  return {
    name,
    async handle(request, context, next) {
      const own = phases.map((phase) => [phase, effective(phase, defaults[phase], context)] as const);
      const active = own.filter((entry): entry is readonly [Phase, number] => entry[1] !== false);
      // An attempt deadline bounds the network attempt, not the wait at the rate-limit gate before it.
      if (phases.length === 1 && phases[0] === 'attempt') await passAdmission(context);
      if (active.length === 0) return next(request);
      return withDeadlines(active, request, context, next);
    },
  };
}

async function withDeadlines(
  deadlines: readonly (readonly [Phase, number])[],
  request: Request,
  context: Context,
  next: (request: Request) => Promise<Response>,
): Promise<Response> {
  const outer = context.signal;
  outer.throwIfAborted();
  const controller = new AbortController();
  const total = deadlines.find(([phase]) => phase === 'total');
  const enclosing = context.state.deadline;
  if (total && (!enclosing || Date.now() + total[1] < enclosing.at)) context.state.deadline = { at: Date.now() + total[1], totalMs: total[1] };
  const timers = deadlines.map(([phase, ms]) =>
    setTimeout(() => controller.abort(timeoutError(phase, ms, context)), ms),
  );
  // `AbortSignal.any` is needed only when the outer signal may still abort after this layer
  // (the caller's own signal can abort while the body is read). A signal that cannot, the
  // request's own when the caller gave none or an enclosing deadline's, is followed by
  // hand while this layer runs.
  let signal: AbortSignal;
  let forward: (() => void) | undefined;
  if (context.callerSignal === undefined && outer === request.signal) {
    signal = controller.signal; // nothing can abort the outer signal
    settling.add(signal);
  } else if (settling.has(outer)) {
    signal = controller.signal;
    forward = () => controller.abort(outer.reason);
    outer.addEventListener('abort', forward, { once: true });
    settling.add(signal);
  } else {
    signal = AbortSignal.any([outer, controller.signal]);
  }
  context.signal = signal;
  let onAbort: (() => void) | undefined;
  try {
    const pending = next(request);
    return await new Promise<Response>((resolve, reject) => {
      onAbort = () => {
        reject(signal.reason);
        // A late response nobody will read: release its connection.
        pending.then(discard, () => {});
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      pending.then(resolve, reject);
    });
  } finally {
    for (const timer of timers) clearTimeout(timer);
    if (total) {
      if (enclosing) context.state.deadline = enclosing;
      else delete context.state.deadline;
    }
    if (forward) outer.removeEventListener('abort', forward);
    if (onAbort) signal.removeEventListener('abort', onAbort);
    context.signal = outer;
  }
}

function timeoutError(phase: Phase, ms: number, context: Context): TimeoutError {
  const held = context.state.waitingAt;
  if (phase === 'total' && held) return heldTimeout(context, held, ms);
  return new TimeoutError(phase, ms, {
    correlationId: context.correlationId,
    message: `The ${phase} timeout of ${ms} ms elapsed before the response headers of ${context.method} ${context.redaction.url(context.url)} arrived`,
  });
}

function effective(phase: Phase, fallback: TimeoutValue, context: Context): TimeoutValue {
  const option = context.options.timeout;
  if (option === undefined) return fallback;
  if (option === false) return false;
  if (typeof option === 'number') return phase === 'total' ? validate(option, 'timeout (per-request option)', 'timeout') : fallback;
  if (typeof option !== 'object' || option === null) {
    throw new TypeError(`The "timeout" request option must be a number, false or { attempt, total }, got ${String(option)}.`);
  }
  checkKeys('timeout (per-request option)', option, TIMEOUT_KEYS);
  const value = option[phase];
  return value === undefined ? fallback : validate(value, 'timeout (per-request option)', `timeout.${phase}`);
}

function validate(value: unknown, where: string, name: string): TimeoutValue {
  return value === false ? false : checkNumber(where, name, value, { unit: 'ms', above: true, max: MAX_DELAY, maxReason: 'the longest timer' });
}

/** Every key of {@link TimeoutOptions}. */
const TIMEOUT_KEYS: OptionKeys<TimeoutOptions> = { total: true, attempt: true };
