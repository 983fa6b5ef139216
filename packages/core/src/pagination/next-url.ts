import { PaginationError } from '../refusal-errors.js';
import {
  assertName,
  assertSelector,
  type ItemsSelector,
  type PaginationStrategy,
  readPath,
  selectItems,
  withParams,
} from './strategy.js';

/**
 * Options of {@link nextUrl}.
 *
 * @example
 * ```ts
 * const options: NextUrlOptions = { items: 'contents', firstParams: { continue: 'true', perPage: 100 } };
 * ```
 */
export interface NextUrlOptions<Item = unknown> {
  /**
   * Where the items are in the body. Default: the body's first array-valued property
   * (Sequoia names it after the resource: `contents`, `assets`…).
   */
  items?: ItemsSelector<Item>;
  /**
   * The next page's URL (absolute or relative to the page): a dotted path in the body, or a
   * function. A missing or empty value ends the paging. Default `'meta.continue'` (Sequoia).
   */
  next?: string | ((body: unknown, response: Response) => string | null | undefined);
  /** Query parameters added to the first page only, e.g. Sequoia's `{ continue: 'true' }`. */
  firstParams?: Record<string, string | number>;
}

/**
 * Next-URL paging: every body links to the next page, like Sequoia's `meta.continue`.
 *
 * @example
 * ```ts
 * const strategy = nextUrl({ items: 'contents', firstParams: { continue: 'true', perPage: 2 } });
 * for await (const page of paginate(fetch, 'https://metadata.example.com/data/contents?owner=demo', strategy)) {
 *   console.log(page.items);
 * }
 * ```
 */
export function nextUrl<Item = unknown>(options: NextUrlOptions<Item> = {}): PaginationStrategy<Item> {
  const { items = firstArray as ItemsSelector<Item>, next = 'meta.continue', firstParams = {} } = options;
  assertSelector(items, 'nextUrl(): "items"');
  if (typeof next !== 'function') assertName(next, 'nextUrl(): "next"');
  if (firstParams === null || typeof firstParams !== 'object') {
    throw new TypeError(`nextUrl(): "firstParams" must be an object of query parameters, got ${String(firstParams)}.`);
  }
  return {
    name: 'nextUrl',
    first: (url) => withParams(url, firstParams),
    items: (body, response) => selectItems(body, items, 'nextUrl', response),
    next({ body, response }) {
      const value = typeof next === 'function' ? next(body, response) : readPath(body, next);
      if (value === undefined || value === null || value === '') return undefined;
      if (typeof value !== 'string') {
        throw new PaginationError(`The nextUrl strategy expected a URL string at "${String(next)}", but found ${typeof value}.`);
      }
      return value;
    },
  };
}

function firstArray(body: unknown): readonly unknown[] {
  if (Array.isArray(body)) return body;
  if (body !== null && typeof body === 'object') {
    for (const [key, value] of Object.entries(body)) if (key !== 'meta' && Array.isArray(value)) return value;
  }
  throw new PaginationError('The nextUrl strategy found no array of items in the body; pass the "items" option.');
}
