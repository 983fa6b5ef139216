import { PaginationError } from '../refusal-errors.js';
import { checkNumber } from '../check.js';

/**
 * What a strategy sees of the page just fetched, to decide the next one.
 *
 * @example
 * ```ts
 * const next = (page: PageState) => (page.items.length === 0 ? undefined : new URL('?page=2', page.url));
 * ```
 */
export interface PageState<Item = unknown> {
  /** The URL the page was fetched from. */
  readonly url: URL;
  /** The page's response (its body is already read into `body`). */
  readonly response: Response;
  /** The parsed body: JSON, or `undefined` for an empty body. */
  readonly body: unknown;
  /** The items the strategy took from `body`. */
  readonly items: readonly Item[];
  /** 0-based index of the page. */
  readonly index: number;
}

/**
 * How an API pages: where the items are, and what the next page's URL is. Strategies are
 * stateless: everything they need is in the page's URL, response and body.
 *
 * @example
 * ```ts
 * const everything: PaginationStrategy<string> = {
 *   name: 'single',
 *   first: (url) => url,
 *   items: (body) => body as string[],
 *   next: () => undefined,
 * };
 * ```
 */
export interface PaginationStrategy<Item = unknown> {
  /** A short name used in error messages. */
  readonly name: string;
  /** The URL of the first page, from the caller's URL (e.g. with `startAt=0` added). */
  first(url: URL): URL;
  /** The items of one page. Throw a `PaginationError` when the body has none. */
  items(body: unknown, response: Response): readonly Item[];
  /** The URL of the next page (absolute, or relative to the page's URL), or `undefined` at the end. */
  next(page: PageState<Item>): URL | string | undefined;
}

/**
 * Where a strategy finds the items of a page: a property name, a dotted path
 * (`'data.items'`), `null` for "the body is the array", or a function.
 *
 * @example
 * ```ts
 * const byKey: ItemsSelector = 'issues';
 * const byPath: ItemsSelector = 'result.rows';
 * const byFunction: ItemsSelector<{ id: string }> = (body) => (body as { rows: { id: string }[] }).rows;
 * ```
 */
export type ItemsSelector<Item = unknown> = string | null | ((body: unknown, response: Response) => readonly Item[]);

/**
 * Reads a dotted path (`'meta.continue'`) from a parsed body; `undefined` when absent.
 *
 * @example
 * ```ts
 * readPath({ meta: { continue: '/next' } }, 'meta.continue'); // '/next'
 * ```
 */
export function readPath(body: unknown, path: string): unknown {
  let current: unknown = body;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * Applies an {@link ItemsSelector} and checks that the result is an array, throwing a
 * `PaginationError` that names the strategy and the selector otherwise.
 *
 * @example
 * ```ts
 * const issues = selectItems<{ key: string }>({ issues: [] }, 'issues', 'offset', new Response());
 * ```
 */
export function selectItems<Item>(body: unknown, selector: ItemsSelector<Item>, strategy: string, response: Response): readonly Item[] {
  const value = typeof selector === 'function' ? selector(body, response) : selector === null ? body : readPath(body, selector);
  if (!Array.isArray(value)) {
    const where = typeof selector === 'function' ? 'the items function' : selector === null ? 'the body' : `"${selector}" of the body`;
    const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    throw new PaginationError(`The ${strategy} strategy expected an array of items in ${where}, but found ${got}.`);
  }
  return value as readonly Item[];
}

/**
 * A copy of `url` with the given query parameters set (replacing earlier values).
 *
 * @example
 * ```ts
 * withParams(new URL('https://api.example.com/x?a=1'), { a: 2, b: 'y' }).href; // '...?a=2&b=y'
 * ```
 */
export function withParams(url: URL, params: Record<string, string | number>): URL {
  const copy = new URL(url);
  for (const [key, value] of Object.entries(params)) copy.searchParams.set(key, String(value));
  return copy;
}

/**
 * Reads an integer query parameter, or `fallback` when it is absent or not an integer.
 *
 * @example
 * ```ts
 * intParam(new URL('https://x.test/?startAt=20'), 'startAt', 0); // 20
 * ```
 */
export function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw.trim() === '') return fallback;
  const value = Number(raw);
  return Number.isInteger(value) ? value : fallback;
}

/**
 * Throws a `TypeError` unless `value` is a positive integer (or undefined when optional).
 * Shared by the built-in strategies; not part of the package's public API.
 *
 * @internal
 */
export function assertPositiveInteger(value: unknown, what: string, optional = true): void {
  if (value === undefined && optional) return;
  const [where, name] = splitWhat(what);
  checkNumber(where, name, value, { integer: true, min: 1 });
}

/** `'offset(): "pageSize"'` → `['offset()', 'pageSize']`. */
function splitWhat(what: string): [string, string] {
  const match = /^(.*): "(.*)"$/.exec(what);
  return match ? [match[1] as string, match[2] as string] : [what, ''];
}

/**
 * Throws a `TypeError` unless `value` is a non-empty string.
 * Shared by the built-in strategies; not part of the package's public API.
 *
 * @internal
 */
export function assertName(value: unknown, what: string): void {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what} must be a non-empty string, got ${String(value)}.`);
}

/**
 * Throws a `TypeError` unless `value` is a valid {@link ItemsSelector}.
 * Shared by the built-in strategies; not part of the package's public API.
 *
 * @internal
 */
export function assertSelector(value: unknown, what: string): void {
  if (value === null || typeof value === 'function' || (typeof value === 'string' && value !== '')) return;
  throw new TypeError(`${what} must be a property name, a dotted path, null or a function, got ${String(value)}.`);
}

/**
 * What {@link counterStrategy} needs: the strategy's name and options, the counter and
 * page-size parameters, and its own `next`.
 *
 * @internal
 */
export interface CounterStrategySpec<Item> {
  name: string;
  items: ItemsSelector<Item>;
  /** The page size to send on the first page, and the name of its option (for errors). */
  size: number | undefined;
  sizeOption: string;
  /** The counter parameter (offset, skip or page number), its first value, and the size parameter. */
  counterParam: string;
  start: number;
  sizeParam: string;
  /** Every name option, checked as a non-empty string: `{ optionName: value }`. */
  names: Record<string, unknown>;
  next: PaginationStrategy<Item>['next'];
}

/**
 * The shared part of the counter-based strategies (offset, skipTake, pageNumber): checks
 * their options, starts the counter at the URL's value (else `start`), sends the page size
 * when one is given, and selects the items.
 *
 * @internal
 * @example
 * ```ts
 * counterStrategy({ name: 'offset', items: 'values', size: 50, sizeOption: 'pageSize', counterParam: 'startAt', start: 0,
 *   sizeParam: 'maxResults', names: {}, next: () => undefined });
 * ```
 */
export function counterStrategy<Item>(spec: CounterStrategySpec<Item>): PaginationStrategy<Item> {
  const { name, items, size, counterParam, start, sizeParam } = spec;
  assertSelector(items, `${name}(): "items"`);
  assertPositiveInteger(size, `${name}(): "${spec.sizeOption}"`);
  for (const [option, value] of Object.entries(spec.names)) assertName(value, `${name}(): "${option}"`);
  return {
    name,
    first(url) {
      const params: Record<string, number> = { [counterParam]: intParam(url, counterParam, start) };
      if (size !== undefined) params[sizeParam] = size;
      return withParams(url, params);
    },
    items: (body, response) => selectItems(body, items, name, response),
    next: spec.next,
  };
}
