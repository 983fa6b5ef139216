import { counterStrategy, type ItemsSelector, intParam, type PaginationStrategy, readPath, withParams } from './strategy.js';

/**
 * Options of {@link skipTake}.
 *
 * @example
 * ```ts
 * const options: SkipTakeOptions = { take: 50 };
 * ```
 */
export interface SkipTakeOptions<Item = unknown> {
  /** Where the items are in the body. Default `'Items'` (Octopus Deploy). */
  items?: ItemsSelector<Item>;
  /** Page size, sent as `take`. Default: the `take` already in the URL, else the server's `ItemsPerPage`. */
  take?: number;
  /** The skip query parameter. Default `'skip'`. */
  skipParam?: string;
  /** The page-size query parameter. Default `'take'`. */
  takeParam?: string;
  /** Path of the 0-based last page number in the body. Default `'LastPageNumber'`. */
  lastPageKey?: string;
}

/**
 * Skip/take paging, Octopus Deploy style: `skip` advances by `take` until the current
 * page number reaches the body's `LastPageNumber`. Without a last page number it stops on a
 * short or empty page.
 *
 * @example
 * ```ts
 * const projects = await paginate(fetch, 'https://octopus.example.com/api/projects', skipTake({ take: 50 })).all();
 * ```
 */
export function skipTake<Item = unknown>(options: SkipTakeOptions<Item> = {}): PaginationStrategy<Item> {
  const { items = 'Items', take, skipParam = 'skip', takeParam = 'take', lastPageKey = 'LastPageNumber' } = options;
  return counterStrategy({
    name: 'skipTake',
    items,
    size: take,
    sizeOption: 'take',
    counterParam: skipParam,
    start: 0,
    sizeParam: takeParam,
    names: { skipParam, takeParam, lastPageKey },
    next({ url, body, items: received }) {
      if (received.length === 0) return undefined;
      const skip = intParam(url, skipParam, 0);
      const perPage = readPath(body, 'ItemsPerPage');
      const size = intParam(url, takeParam, typeof perPage === 'number' && perPage > 0 ? perPage : received.length);
      const lastPage = readPath(body, lastPageKey);
      if (typeof lastPage === 'number') {
        if (Math.floor(skip / size) >= lastPage) return undefined;
      } else if (received.length < size) {
        return undefined;
      }
      return withParams(url, { [skipParam]: skip + size, [takeParam]: size });
    },
  });
}
