import { HttpResponse, http } from 'msw';
import type { HandlerSet } from './handler-set.js';

/**
 * The paging styles {@link paginatedCollection} serves:
 * - `'offset'` (Jira): `?startAt=&maxResults=` → `{ startAt, maxResults, total, values: [...] }`;
 * - `'skipTake'` (Octopus): `?skip=&take=` → `{ Items, ItemsPerPage, TotalResults, NumberOfPages, LastPageNumber }`;
 * - `'pageNumber'`: `?page=&per_page=` (1-based) → a JSON array;
 * - `'cursor'`: `?cursor=&limit=` → `{ data: [...], next_cursor: string | null }`;
 * - `'linkHeader'` (GitHub): `?page=&per_page=` → a JSON array and an RFC 8288 `Link` header;
 * - `'nextUrl'` (Sequoia): `?continue=true&perPage=` → `{ meta: { perPage, continue? }, contents: [...] }`,
 *   where `meta.continue` is the relative URL of the next page.
 *
 * @example
 * ```ts
 * const style: PaginationStyle = 'cursor';
 * const collection = paginatedCollection([{ id: 1 }, { id: 2 }], style, { url: 'https://api.example.test/items', pageSize: 1 });
 * ```
 */
export type PaginationStyle = 'offset' | 'skipTake' | 'pageNumber' | 'cursor' | 'linkHeader' | 'nextUrl';

/**
 * Options of {@link paginatedCollection}.
 *
 * @example
 * ```ts
 * const options: PaginatedCollectionOptions = { url: 'https://jira.example.com/rest/api/3/search', itemsKey: 'issues', pageSize: 50 };
 * ```
 */
export interface PaginatedCollectionOptions {
  /** The msw path of the collection (GET). Default `'*'`. */
  url?: string;
  /** Page size when the client asks for none. Default `10`. */
  pageSize?: number;
  /** Largest page size the server grants (larger requests are cut to it). Default `100`. */
  maxPageSize?: number;
  /**
   * The items key of the body: `'offset'` defaults to `'values'` (use `'issues'` for Jira issue search),
   * `'skipTake'` to `'Items'`, `'cursor'` to `'data'`, `'nextUrl'` to `'contents'`. Ignored by the array styles.
   */
  itemsKey?: string;
  /** `'offset'` only: include `total` in the body. Default `true`. */
  total?: boolean;
}

/**
 * A paginated collection (see {@link paginatedCollection}).
 *
 * @example
 * ```ts
 * const collection: PaginatedCollection = paginatedCollection([1, 2, 3], 'pageNumber');
 * console.log(collection.requests);
 * ```
 */
export interface PaginatedCollection extends HandlerSet {
  /** The URL of every page request served, in order. */
  readonly requests: readonly string[];
  /** Forgets the requests. */
  clear(): void;
}

const STYLES: readonly PaginationStyle[] = ['offset', 'skipTake', 'pageNumber', 'cursor', 'linkHeader', 'nextUrl'];

/**
 * Serves `items` as a paginated GET collection in one of the common paging styles, so a
 * client's pagination can be tested against the real wire format. Bad paging parameters
 * get a 400 with a JSON `{ error }` body.
 *
 * @example
 * ```ts
 * import { setupServer } from 'msw/node';
 * import { paginatedCollection } from '@sluice/testing';
 *
 * const projects = Array.from({ length: 95 }, (_, i) => ({ id: i + 1 }));
 * const collection = paginatedCollection(projects, 'skipTake', { url: 'https://octopus.example.com/api/projects' });
 * const server = setupServer(...collection.handlers);
 * server.listen({ onUnhandledFrame: 'error' });
 * ```
 */
export function paginatedCollection(items: readonly unknown[], style: PaginationStyle, options: PaginatedCollectionOptions = {}): PaginatedCollection {
  if (!Array.isArray(items)) throw new TypeError('paginatedCollection(): "items" must be an array.');
  if (!STYLES.includes(style)) {
    throw new TypeError(`paginatedCollection(): "style" must be one of ${STYLES.map((s) => `'${s}'`).join(', ')}, got ${String(style)}.`);
  }
  const { url = '*', pageSize = 10, maxPageSize = 100, total = true } = options;
  for (const [name, value] of [['pageSize', pageSize], ['maxPageSize', maxPageSize]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new TypeError(`paginatedCollection(): "${name}" must be a positive integer, got ${String(value)}.`);
  }
  if (options.itemsKey !== undefined && (typeof options.itemsKey !== 'string' || options.itemsKey === '')) {
    throw new TypeError('paginatedCollection(): "itemsKey" must be a non-empty string.');
  }
  const requests: string[] = [];

  const handler = http.get(url, ({ request }) => {
    requests.push(request.url);
    const target = new URL(request.url);
    try {
      return renderPage(style, items, target, { pageSize, maxPageSize, total, itemsKey: options.itemsKey });
    } catch (error) {
      if (error instanceof BadPaging) return HttpResponse.json({ error: error.message }, { status: 400, statusText: 'Bad Request' });
      throw error;
    }
  });

  return {
    handlers: [handler],
    requests,
    clear() {
      requests.length = 0;
    },
  };
}

class BadPaging extends Error {}

interface PageOptions {
  pageSize: number;
  maxPageSize: number;
  total: boolean;
  itemsKey: string | undefined;
}

function renderPage(style: PaginationStyle, items: readonly unknown[], url: URL, options: PageOptions): Response {
  const { maxPageSize, itemsKey } = options;
  const size = (name: string) => Math.min(int(url, name, options.pageSize, 1), maxPageSize);
  switch (style) {
    case 'offset': {
      const startAt = int(url, 'startAt', 0, 0);
      const maxResults = size('maxResults');
      const body: Record<string, unknown> = { startAt, maxResults };
      if (options.total) body['total'] = items.length;
      body[itemsKey ?? 'values'] = items.slice(startAt, startAt + maxResults);
      return HttpResponse.json(body);
    }
    case 'skipTake': {
      const skip = int(url, 'skip', 0, 0);
      const take = size('take');
      const pages = Math.ceil(items.length / take);
      return HttpResponse.json({
        ItemType: 'Resource',
        TotalResults: items.length,
        ItemsPerPage: take,
        NumberOfPages: pages,
        LastPageNumber: Math.max(0, pages - 1),
        [itemsKey ?? 'Items']: items.slice(skip, skip + take),
      });
    }
    case 'pageNumber': {
      const page = int(url, 'page', 1, 1);
      const perPage = size('per_page');
      return HttpResponse.json(items.slice((page - 1) * perPage, page * perPage) as never);
    }
    case 'cursor': {
      const raw = url.searchParams.get('cursor');
      const start = raw === null ? 0 : decodeCursor(raw);
      const limit = size('limit');
      const end = start + limit;
      return HttpResponse.json({ [itemsKey ?? 'data']: items.slice(start, end), next_cursor: end < items.length ? encodeCursor(end) : null });
    }
    case 'linkHeader': {
      const page = int(url, 'page', 1, 1);
      const perPage = size('per_page');
      const last = Math.max(1, Math.ceil(items.length / perPage));
      const link = (n: number, rel: string) => {
        const target = new URL(url);
        target.searchParams.set('page', String(n));
        target.searchParams.set('per_page', String(perPage));
        return `<${target.href}>; rel="${rel}"`;
      };
      const links: string[] = [];
      if (page > 1) links.push(link(page - 1, 'prev'));
      if (page < last) links.push(link(page + 1, 'next'));
      links.push(link(1, 'first'), link(last, 'last'));
      return HttpResponse.json(items.slice((page - 1) * perPage, page * perPage) as never, { headers: { link: links.join(', ') } });
    }
    case 'nextUrl': {
      const perPage = size('perPage');
      const token = url.searchParams.get('continue');
      const start = token === null || token === 'true' ? 0 : decodeCursor(token);
      const end = start + perPage;
      const meta: Record<string, unknown> = { perPage };
      if (token !== null && end < items.length) {
        const next = new URL(url);
        next.searchParams.set('continue', encodeCursor(end));
        meta['continue'] = `${next.pathname}${next.search}`;
      }
      return HttpResponse.json({ meta, [itemsKey ?? 'contents']: items.slice(start, end) });
    }
  }
}

function int(url: URL, name: string, fallback: number, min: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min) {
    throw new BadPaging(`Query parameter "${name}" must be an integer of at least ${min}, got "${raw}".`);
  }
  return value;
}

function encodeCursor(offset: number): string {
  return btoa(`offset:${offset}`);
}

function decodeCursor(cursor: string): number {
  let text: string;
  try {
    text = atob(cursor);
  } catch {
    throw new BadPaging(`Invalid cursor "${cursor}".`);
  }
  const match = /^offset:(\d+)$/.exec(text);
  if (!match) throw new BadPaging(`Invalid cursor "${cursor}".`);
  return Number(match[1]);
}
