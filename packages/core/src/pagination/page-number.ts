import { counterStrategy, type ItemsSelector, intParam, type PaginationStrategy, withParams } from './strategy.js';
import { checkNumber } from '../check.js';

/**
 * Options of {@link pageNumber}.
 *
 * @example
 * ```ts
 * const options: PageNumberOptions = { perPage: 100 };
 * ```
 */
export interface PageNumberOptions<Item = unknown> {
  /** Where the items are in the body. Default `null`: the body is the array. */
  items?: ItemsSelector<Item>;
  /** Page size, sent as `per_page` on every page. Default: the value already in the URL. */
  perPage?: number;
  /** The page query parameter. Default `'page'`. */
  pageParam?: string;
  /** The page-size query parameter. Default `'per_page'`. */
  perPageParam?: string;
  /** The number of the first page. Default `1`. */
  firstPage?: number;
}

/**
 * Page-number paging: `page` / `per_page`. It stops on an empty page, or on a page
 * shorter than `per_page` when the page size is known.
 *
 * @example
 * ```ts
 * for await (const item of paginate(fetch, 'https://api.example.com/repos', pageNumber({ perPage: 100 })).items()) {
 *   console.log(item);
 * }
 * ```
 */
export function pageNumber<Item = unknown>(options: PageNumberOptions<Item> = {}): PaginationStrategy<Item> {
  const { items = null, perPage, pageParam = 'page', perPageParam = 'per_page', firstPage = 1 } = options;
  checkNumber('pageNumber()', 'firstPage', firstPage, { integer: true });
  return counterStrategy({
    name: 'pageNumber',
    items,
    size: perPage,
    sizeOption: 'perPage',
    counterParam: pageParam,
    start: firstPage,
    sizeParam: perPageParam,
    names: { pageParam, perPageParam },
    next({ url, items: received }) {
      if (received.length === 0) return undefined;
      const size = intParam(url, perPageParam, 0);
      if (size > 0 && received.length < size) return undefined;
      return withParams(url, { [pageParam]: intParam(url, pageParam, firstPage) + 1 });
    },
  });
}
