import type { SearchParamsOption } from 'ky';

/** One search-params option read as ordered pairs, plus the keys it names without a value. */
interface ReadParams {
  pairs: Array<[string, string]>;
  /** Every key the option names, `undefined`-valued dict keys included. */
  keys: Set<string>;
  /** Keys of a dict given as `undefined`: "remove this parameter". */
  removed: Set<string>;
}

function read(option: SearchParamsOption): ReadParams {
  const pairs: Array<[string, string]> = [];
  const removed = new Set<string>();
  if (typeof option === 'string') {
    for (const [key, value] of new URLSearchParams(option.replace(/^\?/, ''))) pairs.push([key, value]);
  } else if (option instanceof URLSearchParams) {
    for (const [key, value] of option) pairs.push([key, value]);
  } else if (Array.isArray(option)) {
    for (const pair of option as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TypeError('searchParams: a list must hold [key, value] pairs, e.g. [["tag", "a"], ["tag", "b"]].');
      }
      pairs.push([String(pair[0]), String(pair[1])]);
    }
  } else if (option !== null && typeof option === 'object') {
    for (const [key, value] of Object.entries(option)) {
      if (value === undefined) removed.add(key);
      else pairs.push([key, String(value)]);
    }
  }
  return { pairs, keys: new Set([...pairs.map(([key]) => key), ...removed]), removed };
}

/**
 * Merges the client's search parameters with one request's: a key the request gives
 * replaces every client value for that key (a dict value `undefined` removes it); the
 * client's other keys stay, in their order, before the request's.
 *
 * @example
 * ```ts
 * const { params } = mergeSearchParams({ k: 'client', v: '2' }, { k: 'req' });
 * params.toString(); // 'v=2&k=req'
 * ```
 */
export function mergeSearchParams(
  client: SearchParamsOption,
  request: SearchParamsOption,
): { params: URLSearchParams; removed: ReadonlySet<string> } {
  const fromRequest = read(request);
  const params = new URLSearchParams();
  for (const [key, value] of read(client).pairs) if (!fromRequest.keys.has(key)) params.append(key, value);
  for (const [key, value] of fromRequest.pairs) params.append(key, value);
  return { params, removed: fromRequest.removed };
}

/**
 * Deletes the given keys from the query of a URL string (absolute or relative), leaving
 * the rest of it, fragment included, as it was.
 *
 * @example
 * ```ts
 * dropQueryKeys('users?a=1&b=2#top', new Set(['a'])); // 'users?b=2#top'
 * ```
 */
export function dropQueryKeys(url: string, keys: ReadonlySet<string>): string {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt < 0 ? url : url.slice(0, hashAt);
  const hash = hashAt < 0 ? '' : url.slice(hashAt);
  const queryAt = beforeHash.indexOf('?');
  if (queryAt < 0 || keys.size === 0) return url;
  const query = new URLSearchParams(beforeHash.slice(queryAt + 1));
  if (![...keys].some((key) => query.has(key))) return url;
  for (const key of keys) query.delete(key);
  const rest = query.toString();
  return `${beforeHash.slice(0, queryAt)}${rest ? `?${rest}` : ''}${hash}`;
}

/**
 * Refuses a `searchParams` option ky would take silently and turn into something else (a
 * number, a dict value that is an object, a list item that is not a pair): `where` names
 * the place, e.g. `'createClient: '`.
 *
 * @example
 * ```ts
 * checkSearchParams('createClient: ', { page: 2, tag: 'x' }); // fine
 * checkSearchParams('createClient: ', 5); // TypeError
 * ```
 */
export function checkSearchParams(where: string, option: unknown): void {
  if (typeof option === 'string' || option instanceof URLSearchParams) return;
  if (Array.isArray(option)) {
    for (const pair of option as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2 || !pair.every(isParamValue)) {
        throw new TypeError(`${where}searchParams: a list must hold [key, value] pairs, e.g. [["tag", "a"], ["tag", "b"]].`);
      }
    }
    return;
  }
  if (option === null || typeof option !== 'object') {
    throw new TypeError(`${where}searchParams: must be a string, URLSearchParams, a dict or a list of [key, value] pairs, got ${option === null ? 'null' : typeof option}.`);
  }
  for (const [key, value] of Object.entries(option)) {
    if (value !== undefined && !isParamValue(value)) {
      throw new TypeError(`${where}searchParams: the value of "${key}" must be a string, number or boolean (undefined removes it), got ${value === null ? 'null' : typeof value}.`);
    }
  }
}

function isParamValue(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint';
}
