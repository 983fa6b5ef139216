import type { AttemptAdmission, Context, Middleware } from '../types/index.js';
import { checkKeys, checkNumber, type OptionKeys } from '../check.js';
import { MAX_TIMER_MS } from '../timer-limit.js';
import { createAdmission } from '../rate-limit/admission.js';
import { createRateGate, type RateGate, type RateGateClock } from '../rate-limit/gate.js';
import type { SchedulerStateUpdate } from '../rate-limit/store.js';

/**
 * Options of {@link rateLimit}.
 *
 * @example
 * ```ts
 * const options: RateLimitOptions = { limit: 10, interval: 1_000 };
 * ```
 */
export interface RateLimitOptions {
  /** Requests allowed per `interval` and key. */
  limit: number;
  /** The window, in ms. */
  interval: number;
  /** The key a request is counted under. Default: its origin. */
  key?: (request: Request) => string;
  /** Clock and timers of the pacing. Default: `Date.now` and the global timers. */
  clock?: RateGateClock;
  /**
   * Most keys remembered. Beyond it, the least recently used key is forgotten and its next
   * request starts a fresh window (so keep it above the keys active within one interval). Default 1 000.
   */
  maxKeys?: number;
}

/** The source name of the quota updates this middleware gives its own gate. */
const SOURCE = 'rateLimit';

/**
 * A static client-side rate limit: at most `limit` attempts per `interval` ms for each
 * key (by default the origin), in fixed windows. It is the scheduler's own pacing, not a
 * second limiter: a private rate-limit gate whose quota ledger counts each key's attempts,
 * told of a fresh window of `limit` every `interval` as a server's announcement would tell
 * it, and passed as part of the attempt's admission. So an attempt waits at it holding no
 * concurrency slot, after the client's gate admits it (a closure the server asked for is
 * honoured first), and is counted at the last look before the wire, after any queue. Waits
 * honour the signal and the total deadline: a request whose deadline passes while it
 * waits fails with a `TimeoutError` and is never sent. Each hold is a `gateHold` event.
 *
 * Place it just inside retry (`{ middleware: rateLimit({ limit: 10, interval: 1_000 }), after: 'retry' }`):
 * each attempt, retries included, is counted, and the concurrency limit inside it passes
 * the admission after its queue.
 *
 * @example
 * ```ts
 * const pipeline = compose([errors(), retry(), rateLimit({ limit: 10, interval: 1_000 }), concurrency({ limit: 4 })]);
 * await Promise.all(ids.map((id) => pipeline(`https://api.example.com/items/${id}`))); // ≤ 10 per second
 * ```
 */
export function rateLimit(options: RateLimitOptions): Middleware {
  const { limit, interval, maxKeys } = check(options);
  const keyOf = options.key ?? ((request: Request) => new URL(request.url).origin);
  const clock = options.clock;
  const now = clock ? () => clock.now() : Date.now;
  let announce: ((update: SchedulerStateUpdate) => void) | undefined;
  const gate = createRateGate({
    adaptive: false,
    maxOrigins: maxKeys,
    ...(clock ? { clock } : {}),
    // The gate's state-sharing seam is how its quota ledger hears of a quota from outside,
    // as from a server's announcement: here, a fresh window of `limit` every `interval`.
    store: {
      publish() {},
      subscribe(listener) {
        announce = listener;
        return () => undefined;
      },
    },
  });
  /** When each key's current window ends, least recently used first. */
  const windows = new Map<string, number>();
  const openWindowIfDue = (key: string) => {
    const at = now();
    const end = windows.get(key);
    windows.delete(key);
    if (end !== undefined && at < end) {
      windows.set(key, end);
      return;
    }
    windows.set(key, at + interval);
    if (windows.size > maxKeys) windows.delete(windows.keys().next().value as string);
    announce?.({ source: SOURCE, origin: key, quota: { limit, windowMs: interval, remaining: limit, resetAt: at + interval } });
  };

  return {
    name: 'rateLimit',
    async handle(request, context, next) {
      const key = keyOf(request);
      if (typeof key !== 'string' || key === '') {
        throw new TypeError(`rateLimit(): the "key" function must return a non-empty string, got ${JSON.stringify(key)}.`);
      }
      const outer = context.state.admission;
      context.state.admission = both(outer, ownAdmission(gate, key, context, openWindowIfDue));
      try {
        return await next(request);
      } finally {
        context.state.admission = outer;
      }
    },
  };
}

/** This limit's admission of one attempt under `key`, waiting at most until the total deadline. */
function ownAdmission(gate: RateGate, key: string, context: Context, openWindowIfDue: (key: string) => void): AttemptAdmission {
  const admission = createAdmission(gate, key, () => {
    const deadline = context.state.deadline;
    return deadline === undefined ? Number.POSITIVE_INFINITY : deadline.at - Date.now();
  }, context);
  return {
    get passed() {
      return admission.passed;
    },
    wait: (signal) => admission.wait(signal),
    stillValid: (epoch) => admission.stillValid(epoch),
    pass() {
      // At the last look: a key whose window has ended gets a fresh one, then the gate counts the attempt.
      openWindowIfDue(key);
      return admission.pass();
    },
    settle: (response) => admission.settle(response),
  };
}

/**
 * Both admissions: the client's gate, then this limit. The last look takes this limit's
 * request first, then the client's; when the client's refuses, the attempt waits again at
 * both and takes a new request then (the one taken is lost: the limit errs on the side of
 * sending fewer, never more).
 */
function both(outer: AttemptAdmission | undefined, own: AttemptAdmission): AttemptAdmission {
  if (!outer) return own;
  let round = 0;
  let epochs: [number, number] = [0, 0];
  let passed = false;
  return {
    get passed() {
      return passed;
    },
    async wait(signal) {
      const first = await outer.wait(signal);
      const second = await own.wait(signal);
      epochs = [first, second];
      return ++round;
    },
    stillValid(epoch) {
      return epoch === round && outer.stillValid(epochs[0]) && own.stillValid(epochs[1]);
    },
    pass() {
      passed = own.pass() && outer.pass();
      return passed;
    },
    settle(response) {
      own.settle(response);
      outer.settle(response);
    },
  };
}

function check(options: RateLimitOptions): { limit: number; interval: number; maxKeys: number } {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`rateLimit(): expected options such as { limit: 10, interval: 1000 }, got ${String(options)}.`);
  }
  checkKeys('rateLimit()', options, RATE_LIMIT_KEYS);
  const { limit, interval } = options;
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`rateLimit(): "limit" must be an integer ≥ 1, got ${String(limit)}.`);
  checkNumber('rateLimit()', 'interval', interval, { unit: 'ms', above: true, max: MAX_TIMER_MS, maxReason: 'the longest timer' });
  for (const name of ['key'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`rateLimit(): "${name}" must be a function (request) => string, got ${typeof options[name]}.`);
    }
  }
  if (options.maxKeys !== undefined && (!Number.isInteger(options.maxKeys) || options.maxKeys < 1)) {
    throw new TypeError(`rateLimit(): "maxKeys" must be an integer ≥ 1, got ${String(options.maxKeys)}.`);
  }
  return { limit, interval, maxKeys: options.maxKeys ?? 1_000 };
}

const RATE_LIMIT_KEYS: OptionKeys<RateLimitOptions> = { limit: true, interval: true, key: true, clock: true, maxKeys: true };
