import { counterStrategy, type ItemsSelector, intParam, type PaginationStrategy, readPath, withParams } from './strategy.js';

/**
 * Options of {@link offset}.
 *
 * @example
 * ```ts
 * const options: OffsetOptions = { items: 'issues', pageSize: 50 };
 * ```
 */
export interface OffsetOptions<Item = unknown> {
  /** Where the items are in the body. Default `'values'` (Jira's project search; use `'issues'` for issue search). */
  items?: ItemsSelector<Item>;
  /** Sets the page-size parameter on the first page. Default: leave it to the server. */
  pageSize?: number;
  /** The offset query parameter. Default `'startAt'`. */
  startParam?: string;
  /** The page-size query parameter. Default `'maxResults'`. */
  limitParam?: string;
  /** Path of the total count in the body. Default `'total'`. */
  totalKey?: string;
}

/**
 * Offset paging, Jira style: `startAt` / `maxResults` / `total`. The next offset is the
 * current one plus the items received; it stops on an empty page, when the offset reaches
 * `total`, or when the body says `isLast: true`.
 *
 * @example
 * ```ts
 * for await (const page of paginate(fetch, 'https://jira.example.com/rest/api/3/project/search', offset({ items: 'values' }))) {
 *   console.log(page.items.length);
 * }
 * ```
 */
export function offset<Item = unknown>(options: OffsetOptions<Item> = {}): PaginationStrategy<Item> {
  const { items = 'values', pageSize, startParam = 'startAt', limitParam = 'maxResults', totalKey = 'total' } = options;
  return counterStrategy({
    name: 'offset',
    items,
    size: pageSize,
    sizeOption: 'pageSize',
    counterParam: startParam,
    start: 0,
    sizeParam: limitParam,
    names: { startParam, limitParam, totalKey },
    next({ url, body, items: received }) {
      if (received.length === 0) return undefined;
      if (readPath(body, 'isLast') === true) return undefined;
      const nextStart = intParam(url, startParam, 0) + received.length;
      const total = readPath(body, totalKey);
      if (typeof total === 'number' && nextStart >= total) return undefined;
      return withParams(url, { [startParam]: nextStart });
    },
  });
}
