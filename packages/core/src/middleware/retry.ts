import type { Context, Middleware } from '../types/index.js';
import { NetworkError, TimeoutError } from '../errors.js';
import { RateLimitError } from '../status-errors.js';
import { sleep } from '../sleep.js';
import { MAX_TIMER_MS } from '../timer-limit.js';
import { canReplay, cloneForReplay } from '../replay.js';
import { type BackoffFunction, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP, exponentialBackoff } from '../retry/backoff.js';
import { createRetryBudget, isRetryBudget, type RetryBudget, type RetryBudgetOptions, type RetryCostKind } from '../retry/budget.js';
import { createRateGate, type RateGate } from '../rate-limit/gate.js';
import { createAdmission, type GateAdmission } from '../rate-limit/admission.js';
import { serverDelay } from '../retry/retry-after.js';
import { deterministicFailure } from '../retry/deterministic.js';
import { isNetworkFailure, toHttpError } from '../http-error.js';
import { discard } from '../discard.js';
import { checkKeys, checkNumber, type OptionKeys } from '../check.js';

/**
 * Decides, for one response, whether to retry: `true` forces a retry (whatever the
 * status and method), `false` forbids one, `undefined` keeps the default rules. It gets a
 * clone of the response, so reading its body leaves the caller's body intact.
 *
 * @example
 * ```ts
 * const retryWhenEmpty: RetryOn = async (response) =>
 *   response.ok ? ((await response.json()) as { items: unknown[] }).items.length === 0 : undefined;
 * ```
 */
export type RetryOn = (response: Response, context: Context) => boolean | undefined | Promise<boolean | undefined>;

/**
 * Waits `ms` milliseconds; rejects with `signal.reason` at once when `signal` aborts.
 *
 * @example
 * ```ts
 * const instant: RetrySleep = async (_ms, signal) => signal.throwIfAborted();
 * ```
 */
export type RetrySleep = (ms: number, signal: AbortSignal) => Promise<void>;

/**
 * Options of {@link retry}. Every field is optional; the defaults are listed per field.
 *
 * @example
 * ```ts
 * const options: RetryOptions = { limit: 5, statuses: [429, 503], maxElapsed: 60_000 };
 * ```
 */
export interface RetryOptions {
  /** Retries after the first attempt. Default 3 (4 attempts). */
  limit?: number;
  /**
   * Methods that are retried. Default GET, HEAD, OPTIONS, PUT, DELETE, TRACE, QUERY.
   * POST and PATCH are retried too when the request carries an `Idempotency-Key` header.
   */
  methods?: readonly string[];
  /** Statuses that are retried. Default 408, 429, 500, 502, 503, 504. */
  statuses?: readonly number[];
  /** Adds an `Idempotency-Key` (a UUID, the same on every attempt) to POST and PATCH, making them retryable. Default false. */
  idempotencyKey?: boolean;
  /** A custom schedule; replaces the exponential backoff (and ignores `baseDelay`, `maxDelay`, `random`). */
  backoff?: BackoffFunction;
  /** Base of the exponential backoff, in ms. Default 300. */
  baseDelay?: number;
  /** Cap of the exponential backoff, in ms. Default 30 000. */
  maxDelay?: number;
  /** The jitter source, a number in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Budget in ms for the whole logical request: no attempt starts once it is spent, no wait runs past it. Default 120 000. */
  maxElapsed?: number;
  /** The longest server delay (Retry-After and friends) waited for, in ms; a longer one fails at once with `RateLimitError`. Default 60 000. */
  maxRetryAfter?: number;
  /** A predicate that forces or forbids a retry for one response. */
  retryOn?: RetryOn;
  /** The shared rate-limit gate, or `false` for none. Default: one `createRateGate()` per `retry()` instance. */
  gate?: RateGate | false;
  /** The retry budget, its options, or `false` for none. Default: one `createRetryBudget()` per `retry()` instance. */
  retryBudget?: RetryBudget | RetryBudgetOptions | false;
  /** The wall clock in epoch ms. Default `Date.now`. Inject it with `sleep` for tests. */
  clock?: () => number;
  /** The wait between attempts. Default: a timer that ends at once on abort. */
  sleep?: RetrySleep;
}

/**
 * The methods retried by default: the idempotent ones (RFC 9110 §9.2.2) plus `QUERY`.
 *
 * @example
 * ```ts
 * const alsoPost = retry({ methods: [...DEFAULT_RETRY_METHODS, 'POST'] });
 * ```
 */
export const DEFAULT_RETRY_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE', 'QUERY'];
/**
 * The statuses retried by default.
 *
 * @example
 * ```ts
 * const noTimeouts = retry({ statuses: DEFAULT_RETRY_STATUSES.filter((status) => status !== 408) });
 * ```
 */
export const DEFAULT_RETRY_STATUSES: readonly number[] = [408, 429, 500, 502, 503, 504];

const SERVER_DELAY_STATUSES = new Set([429, 503]);
const KEYED_METHODS = new Set(['POST', 'PATCH']);

interface Settings {
  limit: number;
  methods: ReadonlySet<string>;
  statuses: ReadonlySet<number>;
  idempotencyKey: boolean;
  backoff: BackoffFunction;
  maxElapsed: number;
  maxRetryAfter: number;
  retryOn: RetryOn | undefined;
  gate: RateGate | undefined;
  budget: RetryBudget | undefined;
  clock: () => number;
  sleep: RetrySleep;
}

type AttemptResult = { response: Response; error?: undefined } | { response?: undefined; error: unknown };

/**
 * Retries failed attempts: 408/429/5xx responses and network errors, for idempotent
 * methods, with exponential backoff and full jitter. Honours Retry-After (and the
 * RateLimit headers) on 429 and 503 through the shared rate-limit gate, which it
 * consults before every attempt. A retry budget stops retry storms; `maxElapsed`
 * bounds the whole request. Per request: `retry: false` or `retry: { limit: 0 }`.
 *
 * @example
 * ```ts
 * const pipeline = compose([errors(), retry({ limit: 5, idempotencyKey: true })]);
 * const once = await pipeline('https://api.example.com/jobs', { retry: false });
 * ```
 */
export function retry(options: RetryOptions = {}): Middleware {
  const base = resolve(options, undefined, 'retry');
  return {
    name: 'retry',
    handle(request, context, next) {
      const perRequest = context.options.retry;
      const settings =
        perRequest === undefined
          ? base
          : perRequest === false
            ? { ...base, limit: 0 }
            : resolve(perRequest, base, 'retry (per-request option)');
      return run(settings, request, context, next);
    },
  };
}

async function run(s: Settings, request: Request, context: Context, next: (request: Request) => Promise<Response>) {
  const method = request.method.toUpperCase();
  if (s.idempotencyKey && KEYED_METHODS.has(method) && !request.headers.has('idempotency-key')) {
    request.headers.set('idempotency-key', crypto.randomUUID());
  }
  const methodRetryable = s.methods.has(method) || (KEYED_METHODS.has(method) && request.headers.has('idempotency-key'));
  const replayable = canReplay(request, context);
  const origin = new URL(request.url).origin;
  const deadline = s.clock() + s.maxElapsed;
  const mayReplay = replayable && s.limit > 0;
  // A body-less request goes out as it is on the first attempt (no clone); its headers are
  // remembered so that a retry starts from them even if an inner middleware edited them.
  const headersBefore = mayReplay && request.body === null ? [...request.headers] : undefined;

  for (let attempt = 1; ; attempt++) {
    context.attempt = attempt;
    context.signal.throwIfAborted();
    // The gate is passed right before the wire, after any concurrency queue (see admission.ts).
    const admission = s.gate ? admissionFor(s.gate, origin, deadline, s.clock, context) : undefined;
    context.state.admission = admission;

    const outgoing =
      !mayReplay || (headersBefore && attempt === 1)
        ? request
        : headersBefore
          ? freshCopy(request, headersBefore)
          : cloneForReplay(request, context, 'retry');
    const outcome = await send(s, outgoing, context, next, origin, admission);
    const { response, error } = outcome;
    const stop = (note?: string): Response => {
      if (note) context.state.retryStopped = note;
      if (response) {
        if (attempt === 1 && response.ok) s.budget?.recordSuccess();
        return response;
      }
      throw error;
    };

    // What failed, and is it the kind of failure we retry? Whatever throws here (retryOn,
    // backoff, a RateLimitError) leaves the response unreturned: its body is cancelled.
    let kind: RetryCostKind;
    let reason: string;
    let fromServer: number | undefined;
    let delay: number;
    try {
      if (response) {
        const forced = attempt <= s.limit && s.retryOn ? await askRetryOn(s.retryOn, response, context) : undefined;
        if (forced === false) return stop();
        if (forced === undefined) {
          if (!s.statuses.has(response.status)) return stop();
          if (!methodRetryable) return stop(notIdempotent(method));
        }
        kind = 'response';
        reason = forced ? `retryOn asked for a retry (status ${response.status})` : `status ${response.status}`;
      } else {
        const failure = classify(error, context);
        if (!failure) return stop();
        if (!methodRetryable) return stop(notIdempotent(method));
        kind = failure.kind;
        reason = failure.reason;
      }

      if (attempt > s.limit) return stop();
      if (!replayable) {
        return stop(
          `not retried: the request body is a one-shot stream; pass a "bodyFactory" option to make it replayable`,
        );
      }

      // How long to wait: the server's delay on 429/503, else the backoff schedule.
      const now = s.clock();
      const remaining = deadline - now;
      fromServer = response && SERVER_DELAY_STATUSES.has(response.status) ? serverDelay(response.headers, now) : undefined;
      // A server that announces its quota told us when its window resets, finer than a whole-second Retry-After.
      const announced = fromServer === undefined ? undefined : s.gate?.announcedReset?.(origin);
      if (fromServer !== undefined && announced !== undefined) fromServer = Math.min(fromServer, announced);
      if (fromServer !== undefined && response) {
        if (fromServer > s.maxRetryAfter) {
          throw await rateLimitError(
            response,
            context,
            fromServer,
            `not retried: the server asked to wait ${fromServer} ms, more than maxRetryAfter (${s.maxRetryAfter} ms)`,
          );
        }
        if (fromServer >= remaining) {
          throw await rateLimitError(
            response,
            context,
            fromServer,
            `not retried: the server asked to wait ${fromServer} ms, past the maxElapsed deadline (${Math.max(0, Math.round(remaining))} ms left of ${s.maxElapsed} ms)`,
          );
        }
        delay = fromServer;
      } else {
        delay = s.backoff(attempt, context);
        if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0 || delay > MAX_TIMER_MS) {
          throw new TypeError(`retry: "backoff" must return a finite number of ms ≥ 0, got ${String(delay)} for retry ${attempt} (at most ${MAX_TIMER_MS}, the longest timer).`);
        }
        const gateWait = s.gate ? s.gate.closedFor(origin) : 0;
        if (Math.max(delay, gateWait) >= remaining) {
          return stop(`retry stopped: the maxElapsed budget of ${s.maxElapsed} ms would run out before the next attempt`);
        }
      }

      // The budget charges storms, not pacing: a retry that waits for the server's own delay costs nothing.
      if (s.budget && fromServer === undefined && !s.budget.tryWithdraw(kind)) {
        return stop(`retry budget exhausted (${s.budget.available} of ${s.budget.capacity} tokens left)`);
      }
    } catch (thrown) {
      if (response) discard(response);
      throw thrown;
    }

    context.emit({ type: 'retry', reason, delayMs: delay });
    if (response) discard(response);
    // The gate holds every request to this origin for the server's delay; wait only for what it does not cover.
    const ownWait = fromServer !== undefined && s.gate ? Math.max(0, delay - s.gate.closedFor(origin)) : delay;
    if (ownWait > 0) await s.sleep(ownWait, context.signal);
    context.signal.throwIfAborted();
  }
}

/** One network attempt, fed to the gate. */
async function send(
  s: Settings,
  request: Request | Promise<Request>,
  context: Context,
  next: (request: Request) => Promise<Response>,
  origin: string,
  admission: GateAdmission | undefined,
): Promise<AttemptResult> {
  try {
    const response = await next(request instanceof Request ? request : await request);
    if (!admission?.settled) s.gate?.observe(origin, response, admission?.ticket);
    return { response };
  } catch (error) {
    if (s.gate && !context.signal.aborted && classify(error, context)) s.gate.observe(origin, undefined, admission?.ticket);
    else if (s.gate && admission?.ticket) s.gate.observe(origin, undefined, admission.ticket); // sent, never answered
    return { error };
  }
}

/** The admission of one attempt: it may wait until the retry deadline or the total deadline, whichever is first. */
function admissionFor(gate: RateGate, origin: string, deadline: number, clock: () => number, context: Context): GateAdmission {
  return createAdmission(gate, origin, () => {
    const total = context.state.deadline;
    const own = deadline - clock();
    return total === undefined ? own : Math.min(own, total.at - Date.now());
  }, context);
}

/** A copy of a body-less request with the headers it had before its first attempt. */
function freshCopy(request: Request, headers: Array<[string, string]>): Request {
  const current = [...request.headers];
  const unchanged = current.length === headers.length && current.every(([name, value], i) => headers[i]?.[0] === name && headers[i]?.[1] === value);
  return unchanged ? request.clone() : new Request(request, { headers });
}

/** Which thrown errors are retried: network errors and attempt timeouts; never an abort or the total timeout. */
function classify(error: unknown, context: Context): { kind: RetryCostKind; reason: string } | undefined {
  if (context.signal.aborted) return undefined;
  if (error instanceof TimeoutError) {
    return error.phase === 'attempt' ? { kind: 'timeout', reason: `attempt timeout (${error.timeoutMs} ms)` } : undefined;
  }
  // A failure that fails the same way every time (blocked port, bad scheme, redirect loop) is not retried.
  if (deterministicFailure(error) !== undefined) return undefined;
  if (error instanceof NetworkError || isNetworkFailure(error)) {
    return { kind: 'network', reason: `network error: ${(error as Error).message}` };
  }
  return undefined;
}

async function askRetryOn(retryOn: RetryOn, response: Response, context: Context): Promise<boolean | undefined> {
  const copy = response.clone();
  try {
    return await retryOn(copy, context);
  } finally {
    discard(copy);
  }
}

function notIdempotent(method: string): string {
  return `not retried: ${method} is not idempotent; send an Idempotency-Key header or use retry({ idempotencyKey: true })`;
}

async function rateLimitError(response: Response, context: Context, retryAfter: number, note: string): Promise<RateLimitError> {
  context.state.retryStopped = note;
  const base = await toHttpError(response, context, { note, retryAfter });
  return new RateLimitError({
    status: base.status,
    statusText: base.statusText,
    method: base.method,
    url: base.url,
    headers: base.headers,
    body: base.body,
    attempts: context.attempt,
    correlationId: context.correlationId,
    note,
    retryAfter,
  });
}

/** Validates `options` and fills in defaults (from `parent` for a per-request override). */
function resolve(options: Partial<RetryOptions>, parent: Settings | undefined, where: string): Settings {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${where}: options must be an object or false, got ${options === null ? 'null' : typeof options}.`);
  }
  const o = options;
  checkKeys(where, o, RETRY_KEYS);
  const limit = o.limit ?? parent?.limit ?? 3;
  checkNumber(where, 'limit', limit, { integer: true });
  for (const key of ['baseDelay', 'maxDelay', 'maxElapsed', 'maxRetryAfter'] as const) {
    const value = o[key];
    if (value === undefined || (key === 'maxElapsed' && value === Number.POSITIVE_INFINITY)) continue; // Infinity: no bound
    checkNumber(where, key, value, { unit: 'ms', finite: false, max: MAX_TIMER_MS, maxReason: 'the longest timer' });
  }
  for (const key of ['backoff', 'random', 'retryOn', 'clock', 'sleep'] as const) {
    const value = o[key];
    if (value !== undefined && typeof value !== 'function') {
      throw new TypeError(`${where}: "${key}" must be a function, got ${typeof value}.`);
    }
  }
  if (o.methods !== undefined && (!Array.isArray(o.methods) || o.methods.some((m) => typeof m !== 'string' || !METHOD_TOKEN.test(m)))) {
    throw new TypeError(`${where}: "methods" must be an array of method names, got ${String(o.methods)}.`);
  }
  if (
    o.statuses !== undefined &&
    (!Array.isArray(o.statuses) || o.statuses.some((c) => !Number.isInteger(c) || c < 100 || c > 599))
  ) {
    throw new TypeError(`${where}: "statuses" must be an array of HTTP status codes (100-599), got ${String(o.statuses)}.`);
  }
  if (o.gate !== undefined && o.gate !== false && !isGate(o.gate)) {
    throw new TypeError(`${where}: "gate" must be a RateGate (from createRateGate()) or false.`);
  }
  const scheduleChanged = o.backoff || o.baseDelay !== undefined || o.maxDelay !== undefined || o.random !== undefined;
  return {
    limit,
    methods: o.methods ? new Set(o.methods.map((m) => m.toUpperCase())) : (parent?.methods ?? new Set(DEFAULT_RETRY_METHODS)),
    statuses: o.statuses ? new Set(o.statuses) : (parent?.statuses ?? new Set(DEFAULT_RETRY_STATUSES)),
    idempotencyKey: o.idempotencyKey ?? parent?.idempotencyKey ?? false,
    backoff:
      o.backoff ??
      (scheduleChanged || !parent
        ? exponentialBackoff({
            base: o.baseDelay ?? DEFAULT_BACKOFF_BASE,
            cap: o.maxDelay ?? DEFAULT_BACKOFF_CAP,
            random: o.random ?? Math.random,
          })
        : parent.backoff),
    maxElapsed: o.maxElapsed ?? parent?.maxElapsed ?? 120_000,
    maxRetryAfter: o.maxRetryAfter ?? parent?.maxRetryAfter ?? 60_000,
    retryOn: o.retryOn ?? parent?.retryOn,
    gate: o.gate === false ? undefined : (o.gate ?? (parent ? parent.gate : createRateGate())),
    budget: resolveBudget(o.retryBudget, parent),
    clock: o.clock ?? parent?.clock ?? Date.now,
    sleep: o.sleep ?? parent?.sleep ?? sleep,
  };
}

function resolveBudget(value: RetryOptions['retryBudget'], parent: Settings | undefined): RetryBudget | undefined {
  if (value === false) return undefined;
  if (value === undefined) return parent ? parent.budget : createRetryBudget();
  if (isRetryBudget(value)) return value;
  if (parent) {
    throw new TypeError(
      'retry: a per-request "retryBudget" must be false or a RetryBudget object (createRetryBudget()); options would make a new budget for every request.',
    );
  }
  return createRetryBudget(value);
}

function isGate(value: unknown): value is RateGate {
  const gate = value as RateGate;
  return (
    typeof gate === 'object' &&
    gate !== null &&
    typeof gate.acquire === 'function' &&
    typeof gate.observe === 'function' &&
    typeof gate.closedFor === 'function'
  );
}

/** Every key of {@link RetryOptions}: the compiler keeps this list complete. */
const RETRY_KEYS: OptionKeys<RetryOptions> = {
  limit: true, methods: true, statuses: true, idempotencyKey: true, backoff: true, baseDelay: true, maxDelay: true, random: true,
  maxElapsed: true, maxRetryAfter: true, retryOn: true, gate: true, retryBudget: true, clock: true, sleep: true,
};

/** An HTTP method is a token (RFC 9110 §5.6.2): no spaces or separators. */
const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
