import { type BreakerPolicy, consecutiveBreaker } from '../circuit/breakers.js';
import { type Circuit, circuitTable } from '../circuit/table.js';
import type { CircuitState, Context, Middleware } from '../types/index.js';
import { NetworkError, TimeoutError } from '../errors.js';
import { CircuitOpenError } from '../refusal-errors.js';
import { isNetworkFailure } from '../http-error.js';

/**
 * What one attempt ended with, as the circuit breaker sees it: a response, or an error.
 *
 * @example
 * ```ts
 * const outcome: CircuitOutcome = { response: new Response(null, { status: 503 }) };
 * ```
 */
export type CircuitOutcome =
  | {
      /** The attempt's response. */
      response: Response;
      /** Absent when there is a response. */
      error?: undefined;
    }
  | {
      /** Absent when the attempt threw. */
      response?: undefined;
      /** What the attempt threw. */
      error: unknown;
    };

/**
 * A change of state of one circuit.
 *
 * @example
 * ```ts
 * const log = (change: CircuitChange) => console.warn(`${change.key}: ${change.from} → ${change.to}`);
 * ```
 */
export interface CircuitChange {
  /** The circuit's key (by default the origin). */
  key: string;
  /** The state it left. */
  from: CircuitState;
  /** The state it entered. */
  to: CircuitState;
}

/**
 * Options of {@link circuitBreaker}.
 *
 * @example
 * ```ts
 * const options: CircuitBreakerOptions = { breaker: consecutiveBreaker({ threshold: 3 }), halfOpenAfter: 5_000 };
 * ```
 */
export interface CircuitBreakerOptions {
  /** When a closed circuit opens. Default `consecutiveBreaker({ threshold: 5 })`. */
  breaker?: BreakerPolicy;
  /** How long an open circuit fails at once before it lets one probe through, in ms. Default 10 000. */
  halfOpenAfter?: number;
  /**
   * Whether an outcome is a failure. Default: a 5xx response, a `TimeoutError`, a network
   * error; never a 4xx. A caller's own abort is never counted, whatever this says.
   */
  isFailure?: (outcome: CircuitOutcome, context: Context) => boolean;
  /** The circuit a request belongs to. Default: its origin. */
  key?: (request: Request) => string;
  /** The clock in ms. Default `Date.now`; inject one for tests. */
  clock?: () => number;
  /** Called on every state change of any circuit (the request's own observers get a `circuit` event too). */
  onStateChange?: (change: CircuitChange) => void;
  /** How many circuits are kept; the oldest closed ones are dropped beyond it. Default 1 000. */
  maxCircuits?: number;
}

interface Settings {
  policy: BreakerPolicy;
  halfOpenAfter: number;
  isFailure: (outcome: CircuitOutcome, context: Context) => boolean;
  clock: () => number;
  onStateChange: ((change: CircuitChange) => void) | undefined;
}

/**
 * A circuit breaker per origin. While a circuit is closed, outcomes are counted by the
 * `breaker` policy ({@link consecutiveBreaker} or {@link samplingBreaker}); when it opens,
 * every request to that origin fails at once with {@link CircuitOpenError} (carrying the
 * time until half-open) for `halfOpenAfter` ms. Then one probe goes through: its success
 * closes the circuit, its failure opens it again. State changes are `circuit` events.
 *
 * Place it just inside retry (`{ middleware: circuitBreaker(), after: 'retry' }`): it then
 * counts each attempt the server sees, an open circuit fails before the request queues for
 * a concurrency slot, and retry does not retry a `CircuitOpenError`.
 *
 * @example
 * ```ts
 * const pipeline = compose([errors(), retry(), circuitBreaker({ breaker: consecutiveBreaker({ threshold: 5 }), halfOpenAfter: 10_000 })]);
 * try { await pipeline('https://api.example.com/health'); }
 * catch (error) { if (error instanceof CircuitOpenError) console.log(`retry in ${error.retryAfter} ms`); }
 * ```
 */
export function circuitBreaker(options: CircuitBreakerOptions = {}): Middleware {
  const settings = resolve(options);
  const keyOf = options.key ?? ((request: Request) => new URL(request.url).origin);
  const maxCircuits = options.maxCircuits ?? 1_000;
  if (!Number.isInteger(maxCircuits) || maxCircuits < 1) {
    throw new TypeError(`circuitBreaker(): "maxCircuits" must be an integer ≥ 1, got ${String(maxCircuits)}.`);
  }
  const circuitFor = circuitTable(settings.policy, maxCircuits);

  return {
    name: 'circuitBreaker',
    async handle(request, context, next) {
      const key = keyOf(request);
      const circuit = circuitFor(key);
      const probe = admit(circuit, key, context, settings);
      let outcome: CircuitOutcome;
      try {
        outcome = { response: await next(request) };
      } catch (error) {
        outcome = { error };
      }
      record(circuit, key, probe, outcome, context, settings);
      if (outcome.error !== undefined || !outcome.response) throw outcome.error;
      return outcome.response;
    },
  };
}

/** Lets the request through (returns whether it is the half-open probe), or throws CircuitOpenError. */
function admit(circuit: Circuit, key: string, context: Context, s: Settings): boolean {
  const now = s.clock();
  if (circuit.state === 'open') {
    const left = circuit.openedAt + s.halfOpenAfter - now;
    if (left > 0) throw openError(key, circuit, left, context);
    move(circuit, key, 'halfOpen', context, s);
  }
  if (circuit.state === 'halfOpen') {
    if (circuit.probing) throw openError(key, circuit, 0, context);
    circuit.probing = true;
    return true;
  }
  return false;
}

/** Counts one outcome. A request that started before the circuit changed state counts for nothing. */
function record(circuit: Circuit, key: string, probe: boolean, outcome: CircuitOutcome, context: Context, s: Settings): void {
  const neutral = outcome.error !== undefined && !(outcome.error instanceof TimeoutError) && context.signal.aborted;
  const failed = !neutral && s.isFailure(outcome, context);
  const now = s.clock();
  if (probe) {
    circuit.probing = false;
    if (neutral || (outcome.error !== undefined && !failed)) return;
    if (failed) open(circuit, key, now, context, s, 'the half-open probe failed');
    else {
      circuit.counter = s.policy.create();
      move(circuit, key, 'closed', context, s);
    }
    return;
  }
  if (circuit.state !== 'closed' || neutral) return;
  if (failed) {
    if (circuit.counter.failure(now)) open(circuit, key, now, context, s, circuit.counter.describe());
  } else if (outcome.response) {
    circuit.counter.success(now);
  }
}

function open(circuit: Circuit, key: string, now: number, context: Context, s: Settings, reason: string): void {
  circuit.openedAt = now;
  circuit.reason = reason;
  move(circuit, key, 'open', context, s);
}

function move(circuit: Circuit, key: string, to: CircuitState, context: Context, s: Settings): void {
  const from = circuit.state;
  if (from === to) return;
  circuit.state = to;
  context.emit({ type: 'circuit', key, from, to });
  try {
    s.onStateChange?.({ key, from, to });
  } catch {
    // A throwing listener never breaks the request.
  }
}

function openError(key: string, circuit: Circuit, left: number, context: Context): CircuitOpenError {
  const when = left > 0 ? `it half-opens in ${Math.ceil(left)} ms` : 'its half-open probe is in flight';
  return new CircuitOpenError(`The circuit for ${context.redaction.url(key)} is open after ${circuit.reason}; ${when}.`, {
    key,
    retryAfter: Math.max(0, Math.ceil(left)),
    correlationId: context.correlationId,
  });
}

/**
 * The default failure test: 5xx, timeouts and network errors; never a 4xx.
 *
 * @example
 * ```ts
 * const alsoTooMany = circuitBreaker({ isFailure: (outcome, context) => outcome.response?.status === 429 || defaultIsFailure(outcome, context) });
 * ```
 */
export function defaultIsFailure(outcome: CircuitOutcome): boolean {
  if (outcome.response) return outcome.response.status >= 500;
  const error = outcome.error;
  return error instanceof TimeoutError || error instanceof NetworkError || isNetworkFailure(error);
}

function resolve(options: CircuitBreakerOptions): Settings {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`circuitBreaker(): expected an options object, got ${String(options)}.`);
  }
  const breaker = options.breaker ?? consecutiveBreaker();
  if (typeof breaker?.create !== 'function') {
    throw new TypeError('circuitBreaker(): "breaker" must come from consecutiveBreaker() or samplingBreaker().');
  }
  const halfOpenAfter = options.halfOpenAfter ?? 10_000;
  if (typeof halfOpenAfter !== 'number' || !Number.isFinite(halfOpenAfter) || halfOpenAfter < 0) {
    throw new TypeError(`circuitBreaker(): "halfOpenAfter" must be a finite number of ms ≥ 0, got ${String(halfOpenAfter)}.`);
  }
  for (const name of ['isFailure', 'key', 'clock', 'onStateChange'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`circuitBreaker(): "${name}" must be a function, got ${typeof options[name]}.`);
    }
  }
  return {
    policy: breaker,
    halfOpenAfter,
    isFailure: options.isFailure ?? defaultIsFailure,
    clock: options.clock ?? Date.now,
    onStateChange: options.onStateChange,
  };
}
