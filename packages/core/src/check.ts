/**
 * What {@link checkNumber} accepts. By default: a finite number ≥ 0.
 *
 * @example
 * ```ts
 * const rule: NumberRule = { integer: true, min: 1 }; // "a positive integer"
 * ```
 */
export interface NumberRule {
  /** The lowest value allowed. Default `0`. */
  readonly min?: number;
  /** `true`: `min` itself is not allowed (`> min` instead of `≥ min`). */
  readonly above?: boolean;
  /** The highest value allowed (inclusive). */
  readonly max?: number;
  /** Whole numbers only. */
  readonly integer?: boolean;
  /** `false` also allows `Infinity` (a bound that is off). Default `true`. */
  readonly finite?: boolean;
  /** The unit the value is read in, said in the message: `'ms'`, `'seconds'`. */
  readonly unit?: string;
  /** Why `max` is the bound, said after it: `'the longest timer'`. */
  readonly maxReason?: string;
}

/**
 * Checks a numeric option and returns it, or throws a `TypeError` that names the option,
 * says what it must be and shows what it got: `retry: "limit" must be an integer ≥ 0, got -1.`
 * Every built-in middleware, provider and strategy words its checks with it.
 *
 * @example
 * ```ts
 * const limit = checkNumber('retry', 'limit', options.limit, { integer: true });
 * const ratio = checkNumber('createAdaptiveRate', 'beta', options.beta, { above: true, max: 1 }); // in (0, 1]
 * ```
 */
export function checkNumber(where: string, name: string, value: unknown, rule: NumberRule = {}): number {
  if (!fits(value, rule)) {
    const bound = rule.maxReason === undefined ? '' : ` (at most ${rule.max}, ${rule.maxReason})`;
    throw optionError(`${where}: "${name}" must be ${expectation(rule)}, got ${show(value)}${bound}.`);
  }
  return value as number;
}

/**
 * Checks that an option is one of a few allowed strings and returns it, or throws a
 * `TypeError` in the same wording as {@link checkNumber}:
 * `concurrency: "release" must be 'headers' or 'body', got "eventually".`
 *
 * @example
 * ```ts
 * const release = checkOneOf('concurrency', 'release', options.release, ['headers', 'body'] as const);
 * ```
 */
export function checkOneOf<const T extends string>(where: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw optionError(`${where}: "${name}" must be ${alternatives(allowed)}, got ${show(value)}.`);
}

/**
 * Every key of an options type, for {@link checkKeys}: written as a record so that the
 * compiler refuses a list that misses a key of `T` or names one it does not have.
 *
 * @example
 * ```ts
 * const TIMEOUT_KEYS: OptionKeys<TimeoutOptions> = { total: true, attempt: true };
 * ```
 */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Refuses an options object with a key the options type does not have, naming the key and
 * the closest known one: `retry: unknown option "limt" (did you mean "limit"?).` A typo
 * in a plain-JavaScript caller's options fails at creation instead of being ignored.
 *
 * @example
 * ```ts
 * checkKeys('timeout()', { atempt: 5_000 }, { total: true, attempt: true }); // throws: did you mean "attempt"?
 * ```
 */
export function checkKeys(where: string, options: object, known: OptionKeys<object> | Readonly<Record<string, true>>): void {
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(known, key)) continue;
    const closest = closestKey(key, Object.keys(known));
    const hint = closest === undefined ? '' : ` (did you mean "${closest}"?)`;
    throw optionError(`${where}: unknown option "${key}"${hint}. Known options: ${Object.keys(known).join(', ')}.`);
  }
}

/** The known key nearest to `key` by edit distance, if it is near enough to be a typo. */
function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
    }
    previous = row;
  }
  return previous[b.length] as number;
}

function fits(value: unknown, rule: NumberRule): value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) return false;
  if (value === Number.POSITIVE_INFINITY) return rule.finite === false && rule.max === undefined;
  if (!Number.isFinite(value) || (rule.integer && !Number.isInteger(value))) return false;
  const min = rule.min ?? 0;
  if (rule.above ? value <= min : value < min) return false;
  return rule.max === undefined || value <= rule.max;
}

function expectation(rule: NumberRule): string {
  const min = rule.min ?? 0;
  if (rule.integer && rule.max === undefined) {
    if ((min === 1 && !rule.above) || (min === 0 && rule.above)) return 'a positive integer';
    return `an integer ${rule.above ? '>' : '≥'} ${min}`;
  }
  const kind = `${rule.finite === false ? 'a number' : rule.integer ? 'an integer' : 'a finite number'}${rule.unit ? ` of ${rule.unit}` : ''}`;
  if (rule.max === undefined || rule.maxReason !== undefined) return `${kind} ${rule.above ? '>' : '≥'} ${min}`;
  return `${kind} in ${rule.above ? '(' : '['}${min}, ${rule.max}]`;
}

function alternatives(allowed: readonly string[]): string {
  const quoted = allowed.map((value) => `'${value}'`);
  return quoted.length < 2 ? (quoted[0] ?? 'nothing') : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The TypeErrors thrown by the checks above (a WeakSet: nothing is kept alive). */
const optionErrors = new WeakSet<Error>();

/**
 * A `TypeError` for a bad option, marked so that the errors middleware passes it on as
 * the TypeError itself instead of wrapping it in a `SluiceError`. For a middleware of your
 * own that reads a per-request option.
 *
 * @example
 * ```ts
 * const tenant: Middleware = {
 *   name: 'tenant',
 *   handle(request, context, next) {
 *     const id = (context.options as { tenant?: unknown }).tenant;
 *     if (id !== undefined && typeof id !== 'string') throw optionError(`The "tenant" request option must be a string, got ${typeof id}.`);
 *     return next(request);
 *   },
 * };
 * ```
 */
export function optionError(message: string): TypeError {
  const error = new TypeError(message);
  optionErrors.add(error);
  return error;
}

/**
 * Whether `error` is a `TypeError` thrown by {@link checkNumber}, {@link checkOneOf} or
 * {@link checkKeys}: a bad option, which the errors middleware passes on as the TypeError
 * itself (docs/middleware.md promises one, at creation or for the request). Internal.
 */
export function isOptionError(error: unknown): error is TypeError {
  return error instanceof TypeError && optionErrors.has(error);
}
