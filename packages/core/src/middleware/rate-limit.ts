import type { AttemptAdmission, Context, Middleware } from '../context.js';
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
  /** Most keys remembered; idle ones beyond it are forgotten. Default 1 000. */
  maxKeys?: number;
}

/** The source name of the quota updates this middleware gives its own gate. */
const SOURCE = 'rateLimit';

/**
 * A static client-side rate limit: at most `limit` attempts per `interval` ms for each
 * key (by default the origin), in fixed windows. It is the scheduler's own pacing: a
 * private rate-limit gate whose per-key quota ledger starts full at `limit` per
 * `interval`, passed as part of the attempt's admission, so it composes with the
 * scheduler. An attempt waits at it holding no concurrency slot, after the client's
 * gate admits it (a closure the server asked for is honoured first), and only then takes
 * one of the window's requests. Waits honour the signal and the total deadline; a
 * request whose deadline passes while it waits fails with a `TimeoutError` and is never
 * sent. A request counts when it is admitted, as announced quotas do: one that then waits
 * for a concurrency slot goes out when it gets one.
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
  const { limit, interval } = check(options);
  const keyOf = options.key ?? ((request: Request) => new URL(request.url).origin);
  let seed: ((update: SchedulerStateUpdate) => void) | undefined;
  const gate = createRateGate({
    adaptive: false,
    maxOrigins: options.maxKeys ?? 1_000,
    ...(options.clock ? { clock: options.clock } : {}),
    // The gate's state-sharing seam is how its quota ledger learns a quota from outside:
    // here, the static one, given to each key when the gate first sees it.
    store: {
      publish() {},
      subscribe(listener) {
        seed = listener;
        return () => undefined;
      },
    },
  });
  const now = options.clock ? () => (options.clock as RateGateClock).now() : Date.now;
  const ensureQuota = (key: string) => {
    // The first ticket of a key's state means the gate has just made it (or made it again
    // after forgetting an idle key): give it a full window. The ticket is only a counter here.
    if (gate.ticket?.(key).seq !== 1) return;
    seed?.({ source: SOURCE, origin: key, quota: { limit, windowMs: interval, remaining: limit, resetAt: now() + interval } });
  };

  return {
    name: 'rateLimit',
    async handle(request, context, next) {
      const key = keyOf(request);
      if (typeof key !== 'string' || key === '') {
        throw new TypeError(`rateLimit(): the "key" function must return a non-empty string, got ${JSON.stringify(key)}.`);
      }
      const outer = context.state.admission;
      context.state.admission = both(outer, ownAdmission(gate, key, context, ensureQuota));
      try {
        return await next(request);
      } finally {
        context.state.admission = outer;
      }
    },
  };
}

/** This limit's admission of one attempt under `key`, waiting at most until the total deadline. */
function ownAdmission(gate: RateGate, key: string, context: Context, ensureQuota: (key: string) => void): AttemptAdmission {
  const admission = createAdmission(gate, key, () => {
    const deadline = context.state.deadline;
    return deadline === undefined ? Number.POSITIVE_INFINITY : deadline.at - Date.now();
  }, context);
  return {
    get passed() {
      return admission.passed;
    },
    wait(signal) {
      ensureQuota(key);
      return admission.wait(signal);
    },
    stillValid: (epoch) => admission.stillValid(epoch),
    pass: () => admission.pass(),
  };
}

/**
 * Both admissions, the client's gate first, then this limit. Each wait takes one request
 * from the window; when the client's gate closed meanwhile, the attempt waits again at
 * both (the request taken is lost: the limit errs on the side of sending fewer).
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
      const first = outer.passed ? 0 : await outer.wait(signal);
      const second = await own.wait(signal);
      epochs = [first, second];
      return ++round;
    },
    stillValid(epoch) {
      return epoch === round && (outer.passed || outer.stillValid(epochs[0])) && own.stillValid(epochs[1]);
    },
    pass() {
      if (!outer.passed) outer.pass();
      own.pass();
      passed = true;
    },
  };
}

function check(options: RateLimitOptions): { limit: number; interval: number } {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`rateLimit(): expected options such as { limit: 10, interval: 1000 }, got ${String(options)}.`);
  }
  const { limit, interval } = options;
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`rateLimit(): "limit" must be an integer ≥ 1, got ${String(limit)}.`);
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0) {
    throw new TypeError(`rateLimit(): "interval" must be a finite number of ms > 0, got ${String(interval)}.`);
  }
  for (const name of ['key'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`rateLimit(): "${name}" must be a function (request) => string, got ${typeof options[name]}.`);
    }
  }
  if (options.maxKeys !== undefined && (!Number.isInteger(options.maxKeys) || options.maxKeys < 1)) {
    throw new TypeError(`rateLimit(): "maxKeys" must be an integer ≥ 1, got ${String(options.maxKeys)}.`);
  }
  return { limit, interval };
}
