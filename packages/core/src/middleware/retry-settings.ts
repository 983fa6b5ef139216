import type { RetryOn, RetryOptions, RetrySleep } from './retry-options.js';
import { DEFAULT_RETRY_METHODS, DEFAULT_RETRY_STATUSES } from './retry-options.js';
import { sleep } from '../sleep.js';
import { MAX_TIMER_MS } from '../timer-limit.js';
import { type BackoffFunction, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP, exponentialBackoff } from '../retry/backoff.js';
import { createRetryBudget, isRetryBudget, type RetryBudget } from '../retry/budget.js';
import { createRateGate } from '../rate-limit/gate.js';
import type { RateGate } from '../rate-limit/gate-types.js';
import { checkKeys, checkNumber, type OptionKeys, optionError } from '../check.js';

/*
 * Internal: retry's options, checked and completed once per middleware (and per request
 * that overrides them).
 */

/** retry's options with every default filled in. */
export interface Settings {
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

/** Validates `options` and fills in defaults (from `parent` for a per-request override). */
export function resolveSettings(options: Partial<RetryOptions>, parent: Settings | undefined, where: string): Settings {
  if (options === null || typeof options !== 'object') {
    throw optionError(`${where}: options must be an object or false, got ${options === null ? 'null' : typeof options}.`);
  }
  const o = options;
  checkKeys(where, o, RETRY_KEYS);
  const limit = o.limit ?? parent?.limit ?? 3;
  checkNumber(where, 'limit', limit, { integer: true });
  for (const key of ['baseDelay', 'maxDelay', 'maxElapsed', 'maxRetryAfter'] as const) {
    const value = o[key];
    if (value === undefined || (key === 'maxElapsed' && value === Number.POSITIVE_INFINITY)) continue; // Infinity: no bound
    checkNumber(where, key, value, { unit: 'ms', finite: false, max: MAX_TIMER_MS, maxReason: 'the longest timer' });
    if (key === 'maxElapsed' && value === 0) {
      throw optionError(`${where}: "maxElapsed" must be above 0 ms (0 would refuse every request before it is sent; "limit: 0" sends once), got 0.`);
    }
  }
  for (const key of ['backoff', 'random', 'retryOn', 'clock', 'sleep'] as const) {
    const value = o[key];
    if (value !== undefined && typeof value !== 'function') {
      throw optionError(`${where}: "${key}" must be a function, got ${typeof value}.`);
    }
  }
  if (o.methods !== undefined && (!Array.isArray(o.methods) || o.methods.some((m) => typeof m !== 'string' || !METHOD_TOKEN.test(m)))) {
    throw optionError(`${where}: "methods" must be an array of method names, got ${String(o.methods)}.`);
  }
  if (
    o.statuses !== undefined &&
    (!Array.isArray(o.statuses) || o.statuses.some((c) => !Number.isInteger(c) || c < 100 || c > 599))
  ) {
    throw optionError(`${where}: "statuses" must be an array of HTTP status codes (100-599), got ${String(o.statuses)}.`);
  }
  if (o.gate !== undefined && o.gate !== false && !isGate(o.gate)) {
    throw optionError(`${where}: "gate" must be a RateGate (from createRateGate()) or false.`);
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
    throw optionError(
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
