import { assertName, assertSelector, type ItemsSelector, type PaginationStrategy, readPath, selectItems, withParams } from './strategy.js';

/**
 * Options of {@link cursor}.
 *
 * @example
 * ```ts
 * const options: CursorOptions = { items: 'results', next: (body) => (body as { cursor?: string }).cursor };
 * ```
 */
export interface CursorOptions<Item = unknown> {
  /** Where the items are in the body. Default `'data'`. */
  items?: ItemsSelector<Item>;
  /**
   * The next cursor: a dotted path in the body, or a function of the body and response.
   * `undefined`, `null` or `''` ends the paging. Default `'next_cursor'`.
   */
  next?: string | ((body: unknown, response: Response) => string | null | undefined);
  /** The query parameter that carries the cursor. Default `'cursor'`. */
  param?: string;
}

/**
 * Cursor paging: the next cursor is taken from each body and sent as a query parameter.
 * An empty page does not end the paging; a missing cursor does.
 *
 * @example
 * ```ts
 * const strategy = cursor({ items: 'data', next: (body) => (body as { next_cursor: string | null }).next_cursor });
 * const all = await paginate(fetch, 'https://api.example.com/events', strategy).all();
 * ```
 */
export function cursor<Item = unknown>(options: CursorOptions<Item> = {}): PaginationStrategy<Item> {
  const { items = 'data', next = 'next_cursor', param = 'cursor' } = options;
  assertSelector(items, 'cursor(): "items"');
  assertName(param, 'cursor(): "param"');
  if (typeof next !== 'function') assertName(next, 'cursor(): "next"');
  return {
    name: 'cursor',
    first: (url) => new URL(url),
    items: (body, response) => selectItems(body, items, 'cursor', response),
    next({ url, body, response }) {
      const value = typeof next === 'function' ? next(body, response) : readPath(body, next);
      if (value === undefined || value === null || value === '') return undefined;
      return withParams(url, { [param]: String(value) });
    },
  };
}
