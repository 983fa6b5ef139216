import type { CorrelationScope, SluiceRequestInit } from '../types/index.js';
import { ResponseParseError } from '../errors.js';
import { PaginationError } from '../refusal-errors.js';
import { createRedaction, type Redaction, redactUrlInError } from '../secrets/index.js';
import { assertPositiveInteger, type PaginationStrategy } from './strategy.js';
import { discard } from '../discard.js';
import type { AllOptions, Page, PaginateFetch, PaginateOptions, PaginateSource, PaginationEvent, Paginator } from './types.js';

export type { AllOptions, Page, PaginateFetch, PaginateOptions, PaginateSource, PaginationEvent, Paginator } from './types.js';

export * from './cursor.js';
export * from './link-header.js';
export * from './next-url.js';
export * from './offset.js';
export * from './page-number.js';
export * from './skip-take.js';
export {
  type ItemsSelector,
  intParam,
  type PageState,
  type PaginationStrategy,
  readPath,
  selectItems,
  withParams,
} from './strategy.js';

const DEFAULT_ALL_LIMIT = 10_000;
const DEFAULT_MAX_EMPTY_PAGES = 100;

/**
 * Pages through a collection with a strategy (`offset`, `skipTake`, `pageNumber`,
 * `cursor`, `linkHeader`, `nextUrl`, or your own). Pages are fetched only as the caller
 * asks for them, so a `break` sends no further request. Every request of one iteration
 * shares one correlation id. A strategy that returns a page already fetched stops the
 * paging with a `PaginationError` instead of looping.
 *
 * @example
 * ```ts
 * const pages = paginate(fetch, 'https://octopus.example.com/api/projects', skipTake({ take: 30 }), {
 *   maxItems: 1000,
 *   onEvent: (event) => { if (event.type === 'warning') console.warn(event.message); },
 * });
 * for await (const page of pages) console.log(page.items.length);
 * ```
 */
export function paginate<Item>(
  source: PaginateSource,
  input: string | URL,
  strategy: PaginationStrategy<Item>,
  options: PaginateOptions = {},
): Paginator<Item> {
  const fetchPage = toFetch(source);
  assertStrategy(strategy);
  const { maxItems, maxPages, signal, onEvent, init = {}, correlationId } = options;
  assertPositiveInteger(maxItems, 'paginate(): "maxItems"');
  assertPositiveInteger(maxPages, 'paginate(): "maxPages"');
  const maxEmptyPages = options.maxEmptyPages ?? DEFAULT_MAX_EMPTY_PAGES;
  assertPositiveInteger(maxEmptyPages, 'paginate(): "maxEmptyPages"');
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError('paginate(): "signal" must be an AbortSignal.');
  if (onEvent !== undefined && typeof onEvent !== 'function') throw new TypeError('paginate(): "onEvent" must be a function.');
  if (correlationId !== undefined && correlationId !== false && typeof correlationId !== 'string' && typeof correlationId !== 'function') {
    throw new TypeError('paginate(): "correlationId" must be a string, a function or false.');
  }
  const start = resolveInput(input, options.baseUrl);
  const redaction = createRedaction();
  const callerSignal = signal ?? init.signal ?? undefined;

  async function* pages(): AsyncGenerator<Page<Item>, void, undefined> {
    const explicit = pickCorrelationId(correlationId, init);
    const scope: CorrelationScope | undefined = explicit === undefined && correlationId !== false ? { id: undefined } : undefined;
    let id = explicit;
    const emit = (event: PaginationEvent) => onEvent?.(event);
    const seen = new Set<string>();
    let url: URL | undefined = strategy.first(new URL(start));
    let index = 0;
    let total = 0;
    let emptyInARow = 0;
    while (url) {
      callerSignal?.throwIfAborted();
      if (maxPages !== undefined && index >= maxPages) {
        const message = `Reached the limit of ${maxPages} pages; skipping the rest.`;
        emit({ type: 'warning', code: 'maxPages', message, limit: maxPages, correlationId: id });
        return;
      }
      // The page as sent: a fragment never reaches the server, so `?page=1#a` and `?page=1#b` are one page.
      const sent = new URL(url);
      sent.hash = '';
      // Compared with its query parameters in name order: `?a=1&page=2` is `?page=2&a=1`.
      const compared = new URL(sent);
      compared.searchParams.sort();
      if (seen.has(compared.href)) {
        throw new PaginationError(
          `The ${strategy.name} strategy returned the page ${redaction.url(sent)} a second time (after page ${index}); stopping instead of looping.`,
          { correlationId: id },
        );
      }
      seen.add(compared.href);

      const requestInit: SluiceRequestInit & { correlationId?: string } = { ...init };
      if (callerSignal) requestInit.signal = callerSignal;
      if (explicit !== undefined) requestInit.correlationId = explicit;
      else if (scope) requestInit.correlationScope = scope;
      // A plain fetch's own error quotes the URL, userinfo included: redact it.
      const response = await fetchRedacted(fetchPage, sent.href, requestInit, redaction);
      id = explicit ?? scope?.id;
      if (!response.ok) {
        discard(response);
        throw new PaginationError(
          `Page ${index + 1} (${requestInit.method ?? 'GET'} ${redaction.url(url)}) failed with ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`,
          { correlationId: id },
        );
      }
      const body = await readBody(response, index, redaction.url(url), id);
      let items = [...strategy.items(body, response)];
      const next = strategy.next({ url, response, body, items, index });
      let nextPage: URL | undefined = next === undefined ? undefined : resolveNextPage(next, url, strategy.name, index, id);

      if (maxItems !== undefined && total + items.length >= maxItems) {
        const more = total + items.length > maxItems || nextPage !== undefined;
        items = items.slice(0, maxItems - total);
        nextPage = undefined;
        if (more) {
          const message = `Reached the limit of ${maxItems} items; skipping the rest.`;
          emit({ type: 'warning', code: 'maxItems', message, limit: maxItems, correlationId: id });
        }
      }
      emptyInARow = items.length === 0 ? emptyInARow + 1 : 0;
      if (nextPage !== undefined && emptyInARow >= maxEmptyPages) {
        throw new PaginationError(
          `The ${strategy.name} strategy gave ${emptyInARow} empty pages in a row (up to page ${index + 1}) and still a next page; stopping instead of paging forever. Pass a higher "maxEmptyPages" (default ${DEFAULT_MAX_EMPTY_PAGES}) if the API really does that.`,
          { correlationId: id },
        );
      }
      total += items.length;
      emit({ type: 'page', index, url: redaction.url(url), itemCount: items.length, totalItems: total, correlationId: id });
      yield { items, body, response, url: url.href, index, correlationId: id };
      index++;
      url = nextPage;
    }
  }

  return {
    [Symbol.asyncIterator]: () => pages(),
    async *items() {
      for await (const page of pages()) yield* page.items;
    },
    async all(allOptions: AllOptions = {}) {
      const limit = allOptions.limit ?? maxItems ?? DEFAULT_ALL_LIMIT;
      assertPositiveInteger(limit, 'all(): "limit"');
      const collected: Item[] = [];
      for await (const page of pages()) {
        if (collected.length + page.items.length > limit) {
          throw new PaginationError(
            `all() stopped at ${limit} items and more remain; pass "maxItems" to cap the collection, a higher "limit", or iterate with items().`,
            { correlationId: page.correlationId },
          );
        }
        collected.push(...page.items);
      }
      return collected;
    },
  };
}

/** The next page's URL, or a `PaginationError` when the strategy's value (a server's `Link`, a body field) is not a URL. */
function resolveNextPage(next: string | URL, base: URL, strategy: string, index: number, correlationId: string | undefined): URL {
  try {
    return new URL(next, base);
  } catch (error) {
    // The query is left out of the message: a server's link may carry a signed token.
    const shown = String(next).split('?', 1)[0]?.slice(0, 200);
    throw new PaginationError(
      `The ${strategy} strategy gave a next page after page ${index + 1} that is not a valid URL ("${shown}"); stopping.`,
      { cause: error, correlationId },
    );
  }
}

function toFetch(source: PaginateSource): PaginateFetch {
  if (typeof source === 'function') return source;
  if (source !== null && typeof source === 'object' && typeof source.fetch === 'function') {
    return (input, init) => source.fetch(input, init);
  }
  throw new TypeError('paginate(): the first argument must be a fetch function or an object with a "fetch" function (a Sluice client).');
}

function assertStrategy(strategy: unknown): asserts strategy is PaginationStrategy<unknown> {
  const s = strategy as Partial<PaginationStrategy<unknown>> | null | undefined;
  if (!s || typeof s.first !== 'function' || typeof s.items !== 'function' || typeof s.next !== 'function') {
    throw new TypeError('paginate(): "strategy" must have first(), items() and next() functions, such as offset() or linkHeader().');
  }
}

function resolveInput(input: string | URL, baseUrl: string | URL | undefined): URL {
  if (typeof input !== 'string' && !(input instanceof URL)) throw new TypeError('paginate(): "input" must be a URL or a string.');
  const base = baseUrl ?? (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return new URL(input, base);
  } catch {
    throw new TypeError(`paginate(): cannot resolve the URL "${String(input)}"; pass an absolute URL or a "baseUrl".`);
  }
}

function pickCorrelationId(option: PaginateOptions['correlationId'], init: SluiceRequestInit): string | undefined {
  if (option === false) return undefined;
  if (typeof option === 'string') return option;
  if (typeof option === 'function') return option();
  const fromInit = (init as { correlationId?: unknown }).correlationId;
  return typeof fromInit === 'string' ? fromInit : undefined;
}

async function readBody(response: Response, index: number, redactedUrl: string, correlationId: string | undefined): Promise<unknown> {
  const text = await response.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ResponseParseError(`Page ${index + 1} (${redactedUrl}) is not valid JSON.`, { cause, correlationId });
  }
}

/** Fetches one page; a plain fetch's own error quotes the URL, userinfo included, so it is redacted. */
async function fetchRedacted(fetchPage: PaginateFetch, href: string, init: SluiceRequestInit, redaction: Redaction): Promise<Response> {
  try {
    return await fetchPage(href, init);
  } catch (error) {
    throw redactUrlInError(error, href, redaction);
  }
}
