import type { SluiceRequestInit } from '../types/index.js';

/**
 * A fetch-compatible function: a Sluice pipeline or a plain `fetch`.
 *
 * @example
 * ```ts
 * const viaFetch: PaginateFetch = (input, init) => fetch(input, init);
 * const viaPipeline: PaginateFetch = compose([correlationId()]);
 * ```
 */
export type PaginateFetch = (input: string, init?: SluiceRequestInit) => Promise<Response>;

/**
 * What {@link paginate} sends requests through: a fetch-compatible function (a Sluice
 * pipeline, `globalThis.fetch`) or an object with one as `fetch` (a Sluice client).
 *
 * @example
 * ```ts
 * const source: PaginateSource = compose([correlationId()]);
 * ```
 */
export type PaginateSource =
  | PaginateFetch
  | {
      /** The fetch-compatible function pages go through, e.g. a Sluice client's `fetch`. */
      readonly fetch: PaginateFetch;
    };

/**
 * Events {@link paginate} reports through `onEvent`: one `page` per page, and a `warning`
 * when `maxItems` or `maxPages` cut the collection short.
 *
 * @example
 * ```ts
 * const onEvent = (event: PaginationEvent) => {
 *   if (event.type === 'warning') console.warn(event.message);
 * };
 * ```
 */
export type PaginationEvent =
  | {
      /** A page was fetched. */
      type: 'page';
      /** 0-based page index. */
      index: number;
      /** The page URL, secrets redacted. */
      url: string;
      /** Items on this page (after a `maxItems` cut). */
      itemCount: number;
      /** Items so far, this page included. */
      totalItems: number;
      /** The correlation id shared by the iteration's requests, when known. */
      correlationId: string | undefined;
    }
  | {
      /** A limit cut the collection short. */
      type: 'warning';
      /** Which limit: `maxItems` or `maxPages`. */
      code: 'maxItems' | 'maxPages';
      /** A log-ready sentence, e.g. "Reached the limit of 1000 items; skipping the rest." */
      message: string;
      /** The value of that limit. */
      limit: number;
      /** The correlation id shared by the iteration's requests, when known. */
      correlationId: string | undefined;
    };

/**
 * Options of {@link paginate}.
 *
 * @example
 * ```ts
 * const options: PaginateOptions = { maxItems: 1000, onEvent: (event) => console.log(event) };
 * ```
 */
export interface PaginateOptions {
  /** Stop after this many items (the last page is cut), with a `warning` event when more were left. */
  maxItems?: number;
  /** Stop after this many pages, with a `warning` event when more were left. */
  maxPages?: number;
  /**
   * The most empty pages in a row before the paging fails with a `PaginationError` (a
   * server that keeps handing out new cursors for no items would page forever). Default 100.
   */
  maxEmptyPages?: number;
  /** Aborts the paging; the pending request and the iteration reject with its reason. */
  signal?: AbortSignal;
  /** Receives `page` and `warning` events. */
  onEvent?: (event: PaginationEvent) => void;
  /** Extra `init` for every page request: headers, per-request Sluice options... */
  init?: SluiceRequestInit;
  /** Resolves a relative `input`. Default: the page's location in a browser. */
  baseUrl?: string | URL;
  /**
   * The correlation id shared by every request of one iteration: a fixed id, a generator
   * called once per iteration, or `false` to leave each page to its own. Default: an
   * operation scope, so the correlationId middleware makes one id (with its own fixed id
   * or prefix) for the first page and reuses it for every later page; a caller's own
   * `x-correlation-id` header still wins.
   */
  correlationId?: string | (() => string) | false;
}

/**
 * One fetched page.
 *
 * @example
 * ```ts
 * const show = (page: Page<{ id: number }>) => console.log(page.index, page.items.map((item) => item.id));
 * ```
 */
export interface Page<Item> {
  /** The page's items (cut to `maxItems` on the last page). */
  readonly items: Item[];
  /** The parsed body. */
  readonly body: unknown;
  /** The response; its body was already read. */
  readonly response: Response;
  /** The URL the page came from. */
  readonly url: string;
  /** 0-based page index. */
  readonly index: number;
  /** The correlation id shared by the requests of this iteration. */
  readonly correlationId: string | undefined;
}

/**
 * Options of {@link Paginator.all}.
 *
 * @example
 * ```ts
 * const options: AllOptions = { limit: 50_000 };
 * ```
 */
export interface AllOptions {
  /**
   * Most items `all()` collects before it throws a `PaginationError` (it never silently
   * loads an unbounded collection). Default: `maxItems` when set, else 10 000.
   */
  limit?: number;
}

/**
 * The result of {@link paginate}: an async iterable of pages, fetched lazily one at a
 * time. Each iteration starts again from the first page.
 *
 * @example
 * ```ts
 * const pages: Paginator<{ id: number }> = paginate(fetch, 'https://api.example.com/items', pageNumber<{ id: number }>());
 * ```
 */
export interface Paginator<Item> extends AsyncIterable<Page<Item>> {
  /** The items of every page, one by one. */
  items(): AsyncIterableIterator<Item>;
  /** Collects every item, with a guard against unbounded collections (see {@link AllOptions}). */
  all(options?: AllOptions): Promise<Item[]>;
}
