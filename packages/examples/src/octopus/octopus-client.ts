/**
 * Port Ocean's Octopus integration: its
 * `OctopusClient`, rebuilt on Sluice (the Jira half is ../jira). Feature map:
 * - `{"X-Octopus-ApiKey": key}` headers → an `apiKey` auth, which adds its header to the
 *   redaction and the key to the request's secrets, so the key is redacted from events and
 *   errors; `Timeout(CLIENT_TIMEOUT)` → `timeout` (30 s).
 * - `_send_api_request`'s error log (URL, status, response text) → the same line through
 *   {@link OctopusLogger} (the error's body arrives with the key already scrubbed); the error is rethrown.
 * - `get_paginated_resources(kind, params, path_parameter)` over `skip`/`take` with
 *   `KINDS_WITH_LIMITATION` / `MAX_ITEMS_LIMITATION` → {@link OctopusClient.getPaginatedResources}
 *   (the `skipTake` paginator with `maxItems`; the limit warning is logged).
 * - one resource by id → {@link OctopusClient.getSingleResource}.
 */
import { apiKey } from '@sluice/auth';
import { type FetchLike, HttpError, type RetryOptions, skipTake } from '@sluice/core';
import { createClient, type SluiceClient } from 'sluice';

/**
 * The integration's `PAGE_SIZE`: the default `take` of each page.
 *
 * @example
 * ```ts
 * const octopus = new OctopusClient({ serverUrl: 'https://octopus.example.com', apiKey: 'API-XXXX', pageSize: OCTOPUS_PAGE_SIZE * 2 });
 * ```
 */
export const OCTOPUS_PAGE_SIZE = 50;
/**
 * The integration's `MAX_ITEMS_LIMITATION`: the item limit for the kinds in {@link OCTOPUS_KINDS_WITH_LIMITATION}.
 *
 * @example
 * ```ts
 * const octopus = new OctopusClient({ serverUrl: 'https://octopus.example.com', apiKey: 'API-XXXX', maxItems: OCTOPUS_MAX_ITEMS_LIMITATION * 5 });
 * ```
 */
export const OCTOPUS_MAX_ITEMS_LIMITATION = 100;
/**
 * The integration's `KINDS_WITH_LIMITATION`: kinds whose collections are cut at the item limit.
 *
 * @example
 * ```ts
 * const octopus = new OctopusClient({
 *   serverUrl: 'https://octopus.example.com',
 *   apiKey: 'API-XXXX',
 *   kindsWithLimitation: [...OCTOPUS_KINDS_WITH_LIMITATION, 'task'],
 * });
 * ```
 */
export const OCTOPUS_KINDS_WITH_LIMITATION: readonly string[] = ['release', 'deployment'];

/**
 * Where the client writes its log lines.
 *
 * @example
 * ```ts
 * const logger: OctopusLogger = {
 *   error: (message) => console.error(`[octopus] ${message}`),
 *   warning: (message) => console.warn(`[octopus] ${message}`),
 * };
 * const octopus = new OctopusClient({ serverUrl: 'https://octopus.example.com', apiKey: 'API-XXXX', logger });
 * ```
 */
export interface OctopusLogger {
  error(message: string): void;
  warning(message: string): void;
}

/**
 * Options of {@link OctopusClient}.
 *
 * @example
 * ```ts
 * const options: OctopusClientOptions = { serverUrl: 'https://octopus.example.com', apiKey: 'API-XXXX' };
 * ```
 */
export interface OctopusClientOptions {
  serverUrl: string;
  apiKey: string;
  /** Items per page (`take`). Default {@link OCTOPUS_PAGE_SIZE}. */
  pageSize?: number;
  /** Item limit of the limited kinds. Default {@link OCTOPUS_MAX_ITEMS_LIMITATION}. */
  maxItems?: number;
  /** Kinds that get the item limit. Default {@link OCTOPUS_KINDS_WITH_LIMITATION}. */
  kindsWithLimitation?: readonly string[];
  /** Default: `console.error` / `console.warn`. */
  logger?: OctopusLogger;
  /** Deadline of one call in ms. Default 30 000. */
  timeout?: number;
  retry?: Partial<RetryOptions> | false;
  fetch?: FetchLike;
}

/**
 * Options of {@link OctopusClient.getPaginatedResources}.
 *
 * @example
 * ```ts
 * const options: PaginatedResourcesOptions = { pathParameter: 'Spaces-1', params: { partialName: 'web' } };
 * for await (const projects of octopus.getPaginatedResources('project', options)) console.log(projects.length);
 * ```
 */
export interface PaginatedResourcesOptions {
  /** Extra query parameters. */
  params?: Record<string, string>;
  /** A path prefix such as a space id: `Spaces-1/projects`. */
  pathParameter?: string;
}

/**
 * An Octopus Deploy REST client in the shape of Ocean's `OctopusClient`.
 *
 * @example
 * ```ts
 * const octopus = new OctopusClient({ serverUrl: 'https://octopus.example.com', apiKey: 'API-XXXX' });
 * for await (const projects of octopus.getPaginatedResources('project')) console.log(projects.length);
 * ```
 */
export class OctopusClient {
  /** `${serverUrl}/api/` */
  readonly octopusUrl: string;
  /** The Sluice client underneath. */
  readonly http: SluiceClient;
  readonly #logger: OctopusLogger;
  readonly #pageSize: number;
  readonly #maxItems: number;
  readonly #limited: ReadonlySet<string>;

  constructor(options: OctopusClientOptions) {
    if (!options || typeof options !== 'object') throw new TypeError('OctopusClient: options must be an object.');
    const { serverUrl, pageSize = OCTOPUS_PAGE_SIZE, maxItems = OCTOPUS_MAX_ITEMS_LIMITATION } = options;
    if (typeof serverUrl !== 'string' || !URL.canParse(serverUrl)) throw new TypeError(`OctopusClient: "serverUrl" must be an absolute URL, got ${String(serverUrl)}.`);
    if (typeof options.apiKey !== 'string' || options.apiKey === '') throw new TypeError('OctopusClient: "apiKey" must be a non-empty string.');
    for (const [name, value] of [['pageSize', pageSize], ['maxItems', maxItems]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new TypeError(`OctopusClient: "${name}" must be a positive integer, got ${String(value)}.`);
    }
    this.#logger = options.logger ?? { error: (m) => console.error(m), warning: (m) => console.warn(m) };
    this.#pageSize = pageSize;
    this.#maxItems = maxItems;
    this.#limited = new Set(options.kindsWithLimitation ?? OCTOPUS_KINDS_WITH_LIMITATION);
    this.octopusUrl = `${serverUrl.replace(/\/+$/, '')}/api/`;
    this.http = createClient({
      baseUrl: this.octopusUrl,
      auth: apiKey({ header: 'X-Octopus-ApiKey', value: options.apiKey }),
      timeout: options.timeout ?? 30_000,
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  /** One resource, e.g. `getSingleResource('project', 'Projects-1')`. */
  getSingleResource<T = Record<string, unknown>>(kind: string, id: string): Promise<T> {
    return this.#logged(`${kind}s/${encodeURIComponent(id)}`, () => this.http.get(`${kind}s/${encodeURIComponent(id)}`).json<T>());
  }

  /**
   * Pages of any kind (`project` → `GET /api/projects?skip=&take=`), with a warning and a
   * stop at the item limit for the limited kinds.
   */
  async *getPaginatedResources<T = Record<string, unknown>>(kind: string, options: PaginatedResourcesOptions = {}): AsyncGenerator<T[]> {
    if (typeof kind !== 'string' || !/^[A-Za-z]+$/.test(kind)) throw new TypeError(`OctopusClient.getPaginatedResources: "kind" must be a word such as "project", got ${String(kind)}.`);
    const endpoint = options.pathParameter ? `${options.pathParameter}/${kind}s` : `${kind}s`;
    const start = new URL(endpoint, this.octopusUrl);
    for (const [name, value] of Object.entries(options.params ?? {})) start.searchParams.set(name, value);
    const pages = this.http.paginate<T>(start, skipTake<T>({ take: this.#pageSize }), {
      ...(this.#limited.has(kind) ? { maxItems: this.#maxItems } : {}),
      onEvent: (event) => {
        if (event.type === 'warning') this.#logger.warning(`Reached the limit of ${event.limit} ${kind}s. Skipping the rest of the ${kind}s.`);
      },
    });
    const iterator = pages[Symbol.asyncIterator]();
    try {
      while (true) {
        const next = await this.#logged(endpoint, () => iterator.next());
        if (next.done) return;
        yield next.value.items;
      }
    } finally {
      await iterator.return?.();
    }
  }

  /**
   * Runs one call; an `HttpError` is logged with its status and response text, then rethrown.
   * The text is already redacted: `apiKey` records the key in `context.state.secrets` and the
   * errors middleware scrubs the error's body and message.
   */
  async #logged<T>(endpoint: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const http = error instanceof HttpError ? error : error instanceof Error && error.cause instanceof HttpError ? error.cause : undefined;
      if (http) {
        const text = typeof http.body === 'string' ? http.body : JSON.stringify(http.body ?? '');
        this.#logger.error(
          `Got HTTP error to url: ${http.url || new URL(endpoint, this.octopusUrl).href} with status code: ${http.status} and response text: ${text}`,
        );
      }
      throw error;
    }
  }
}
