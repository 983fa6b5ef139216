import { nextUrl, type RetryOptions } from '@sluice/core';
import type { SluiceClient } from 'sluice';
import { type BackoffStrategy, checkRetryWhenEmpty, emptyResultRetryOn, type RetryWhenEmpty, toRetryOptions } from './backoff-strategy.js';
import { Criteria } from './criteria.js';

/**
 * A resource as the services return it.
 *
 * @example
 * ```ts
 * const content: SequoiaResource = { ref: 'demo:c1', name: 'Episode 1', type: 'episode' };
 * ```
 */
export type SequoiaResource = Record<string, unknown>;

/**
 * One response of a Sequoia service.
 *
 * @example
 * ```ts
 * const show = (page: SequoiaPage) => console.log(page.resources.length, page.linked('assets').length);
 * ```
 */
export interface SequoiaPage<T = SequoiaResource> {
  /** The main resources (`body[resource]`). */
  readonly resources: T[];
  /** The included resources of one kind (`body.linked[name]`); empty when absent. */
  linked(name: string): SequoiaResource[];
  /** The parsed body. */
  readonly body: Record<string, unknown>;
  /** The correlation id the request carried. */
  readonly correlationId: string | undefined;
}

/**
 * Per-call options of `read` and `browse`.
 *
 * @example
 * ```ts
 * const options: SequoiaCallOptions = { backoffStrategy: { waitGen: 'expo', maxTries: 20 }, retryWhenEmptyResult: { contents: true } };
 * const page = await client.metadata.contents.read('demo', 'demo:c1', options);
 * ```
 */
export interface SequoiaCallOptions {
  /** Replaces the client's backoff strategy for this call. */
  backoffStrategy?: BackoffStrategy;
  /** Retry while resources are missing; wins over the strategy's own setting. */
  retryWhenEmptyResult?: RetryWhenEmpty;
  signal?: AbortSignal;
}

/**
 * Options of `browse`.
 *
 * @example
 * ```ts
 * const options: BrowseOptions = { perPage: 2, queryString: 'sort=name' };
 * for await (const page of client.metadata.contents.browse('demo', new Criteria(), options)) console.log(page.resources);
 * ```
 */
export interface BrowseOptions extends SequoiaCallOptions {
  /** Items per page. */
  perPage?: number;
  /** Extra raw query string, e.g. `'sort=name'`. */
  queryString?: string;
}

/**
 * A browse operation: `first()` fetches the first page only; iterating it fetches every
 * page through `meta.continue`; `linked(name)` pages through an inclusion. Every request
 * of one operation shares one correlation id.
 *
 * @example
 * ```ts
 * const browse: Browse = contents.browse('demo', new Criteria());
 * for await (const page of browse) console.log(page.resources.length);
 * ```
 */
export interface Browse<T = SequoiaResource> extends AsyncIterable<SequoiaPage<T>> {
  /** The operation's correlation id. */
  readonly correlationId: string | undefined;
  first(): Promise<SequoiaPage<T>>;
  /** Pages of linked resources of one inclusion: the first from the browse's first page, then `meta.linked[name].continue`. */
  linked(name: string): AsyncIterable<SequoiaResource[]>;
}

/**
 * What an endpoint needs from its client ({@link connectSequoia} builds it).
 *
 * @example
 * ```ts
 * const context: EndpointContext = {
 *   http: createClient(),
 *   strategy: DEFAULT_BACKOFF_STRATEGY,
 *   retry: toRetryOptions(DEFAULT_BACKOFF_STRATEGY),
 *   operationId: () => undefined,
 * };
 * const contents = new Endpoint('metadata', 'contents', 'https://metadata.example.com', context);
 * ```
 */
export interface EndpointContext {
  readonly http: SluiceClient;
  readonly strategy: BackoffStrategy;
  /** `strategy` as retry options, converted once (`toRetryOptions`); calls without their own strategy use it as is. */
  readonly retry: Partial<RetryOptions>;
  /** A new correlation id for an operation (undefined: let the middleware choose). */
  operationId(): string | undefined;
}

/**
 * The operations on one resource of one service (the SDK's `client.metadata.contents`).
 *
 * @example
 * ```ts
 * const page = await client.metadata.contents.read('demo', 'demo:c1');
 * ```
 */
export class Endpoint<T = SequoiaResource> {
  constructor(
    readonly service: string,
    readonly resource: string,
    readonly location: string,
    private readonly context: EndpointContext,
  ) {}

  /** `GET {location}/data/{resource}/{ref}?owner=`. */
  async read(owner: string, ref: string, options: SequoiaCallOptions & { criteria?: Criteria } = {}): Promise<SequoiaPage<T>> {
    checkOwner(owner, 'read');
    if (typeof ref !== 'string' || ref === '') throw new TypeError(`${this.#name('read')}: "ref" must be a non-empty string.`);
    const url = this.#url(`/${encodeURIComponent(ref)}`, owner, options.criteria);
    const id = this.context.operationId();
    const response = await this.context.http.get(url, {
      retry: this.#retry(options, options.criteria?.inclusions ?? [], 'read'),
      ...(id ? { correlationId: id } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return this.#page(await response.json(), id);
  }

  /** `GET {location}/data/{resource}?owner=&<criteria>`, as a {@link Browse} operation. */
  browse(owner: string, criteria: Criteria = new Criteria(), options: BrowseOptions = {}): Browse<T> {
    checkOwner(owner, 'browse');
    if (!(criteria instanceof Criteria)) throw new TypeError(`${this.#name('browse')}: "criteria" must be a Criteria.`);
    if (options.perPage !== undefined && (!Number.isInteger(options.perPage) || options.perPage < 1)) {
      throw new TypeError(`${this.#name('browse')}: "perPage" must be a positive integer, got ${String(options.perPage)}.`);
    }
    const url = this.#url('', owner, criteria);
    for (const [name, value] of new URLSearchParams(options.queryString ?? '')) url.searchParams.append(name, value);
    const retry = this.#retry(options, criteria.inclusions, 'browse');
    const id = this.context.operationId();
    const http = this.context.http;
    const pageOf = (body: unknown) => this.#page(body, id);
    const resource = this.resource;
    const pages = (first: boolean) =>
      http.paginate<T>(url, nextUrl<T>({ items: resource, firstParams: first ? {} : { continue: 'true', ...(options.perPage ? { perPage: options.perPage } : {}) } }), {
        correlationId: id ?? false,
        init: { retry, ...(options.signal ? { signal: options.signal } : {}) },
        ...(first ? { maxPages: 1 } : {}),
      });
    const firstPage = async (): Promise<SequoiaPage<T>> => {
      for await (const page of pages(true)) return pageOf(page.body);
      throw new TypeError('unreachable: a paginator yields its first page or throws');
    };
    return {
      correlationId: id,
      first: firstPage,
      async *[Symbol.asyncIterator]() {
        for await (const page of pages(false)) yield pageOf(page.body);
      },
      linked: (name: string) => {
        if (!criteria.inclusions.includes(name)) {
          throw new TypeError(`${this.#name('browse')}.linked(): "${name}" is not an inclusion of this browse (included: ${criteria.inclusions.join(', ') || 'none'}).`);
        }
        return {
          async *[Symbol.asyncIterator]() {
            const first = await firstPage();
            yield first.linked(name);
            const next = readContinue(first.body, name);
            if (!next) return;
            const linkedPages = http.paginate<SequoiaResource>(new URL(next, url), nextUrl({ items: name }), { correlationId: id ?? false, init: { retry } });
            for await (const page of linkedPages) yield page.items;
          },
        };
      },
    };
  }

  /** `POST {location}/data/{resource}?owner=` with `{ [resource]: [...] }`. */
  async store(owner: string, resources: T | readonly T[]): Promise<SequoiaPage<T>> {
    checkOwner(owner, 'store');
    const list = Array.isArray(resources) ? resources : [resources];
    if (list.length === 0 || list.some((r) => r === null || typeof r !== 'object')) {
      throw new TypeError(`${this.#name('store')}: pass one resource object or a non-empty array of them.`);
    }
    const id = this.context.operationId();
    const response = await this.context.http.post(this.#url('', owner), {
      body: JSON.stringify({ [this.resource]: list }),
      ...(id ? { correlationId: id } : {}),
    });
    return this.#page(await response.json(), id);
  }

  #retry(options: SequoiaCallOptions, inclusions: readonly string[], method: string): Partial<RetryOptions> {
    checkRetryWhenEmpty(options.retryWhenEmptyResult, `${this.#name(method)}: "retryWhenEmptyResult"`);
    const own = options.backoffStrategy;
    const strategy = own ?? this.context.strategy;
    const retry = own === undefined ? this.context.retry : toRetryOptions(own, `${this.#name(method)}: "backoffStrategy"`);
    const check = options.retryWhenEmptyResult ?? strategy.retryWhenEmptyResult ?? false;
    const retryOn = emptyResultRetryOn(this.resource, inclusions, check);
    return retryOn ? { ...retry, retryOn } : retry;
  }

  #url(suffix: string, owner: string, criteria?: Criteria): URL {
    const url = new URL(`${this.location.replace(/\/+$/, '')}/data/${this.resource}${suffix}`);
    url.searchParams.set('owner', owner);
    for (const [name, value] of criteria?.toSearchParams() ?? []) url.searchParams.append(name, value);
    return url;
  }

  #page(raw: unknown, correlationId: string | undefined): SequoiaPage<T> {
    const body = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    const main = body[this.resource];
    const linked = (body['linked'] ?? {}) as Record<string, unknown>;
    return {
      resources: Array.isArray(main) ? (main as T[]) : [],
      linked: (name) => {
        const value = linked[name];
        return Array.isArray(value) ? (value as SequoiaResource[]) : [];
      },
      body,
      correlationId,
    };
  }

  #name(method: string): string {
    return `${this.service}.${this.resource}.${method}`;
  }
}

function checkOwner(owner: unknown, method: string): void {
  if (typeof owner !== 'string' || owner === '') throw new TypeError(`${method}(): "owner" must be a non-empty string, got ${JSON.stringify(owner)}.`);
}

function readContinue(body: Record<string, unknown>, name: string): string | undefined {
  const meta = body['meta'] as { linked?: Record<string, { continue?: unknown }> } | undefined;
  const value = meta?.linked?.[name]?.continue;
  return typeof value === 'string' && value !== '' ? value : undefined;
}
