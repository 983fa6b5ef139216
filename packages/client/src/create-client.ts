import {
  type FetchLike,
  type PaginateOptions,
  type PaginationStrategy,
  type Paginator,
  paginate,
  redactUrlInError,
  type SluiceFetch,
  Stack,
} from '@sluice/core';
import ky, { type Input, type KyInstance, type Options as KyOptions, type ResponsePromise, replaceOption } from 'ky';
import { parseError, rejectedResponse, untaggedRedaction } from './call-errors.js';
import { callOptions, sharedFetches } from './call-options.js';
import type { ClientOptions } from './options.js';
import type { ClientRequestOptions } from './request-options.js';
import { withSchemaErrors } from './schema.js';
import { standardStack } from './standard-stack.js';
import { dropQueryKeys, mergeSearchParams } from './search-params.js';
import { resolverFor } from './urls.js';
import { checkOptions } from './validate.js';

/**
 * The HTTP methods a client has a shortcut for.
 *
 * @example
 * ```ts
 * const method: ClientMethod = 'post';
 * const created = await client[method]('items', { json: { name: 'x' } }).json();
 * ```
 */
export type ClientMethod = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'query';

/**
 * One client call: ky's `ResponsePromise` with `.json<T>()`, `.text()`, `.blob()`...
 *
 * @example
 * ```ts
 * const get: ClientCall = client.get;
 * const user = await get<{ id: number }>('users/1', { timeout: { attempt: 2_000 } }).json();
 * ```
 */
export type ClientCall = <T = unknown>(input: Input, options?: ClientRequestOptions) => ResponsePromise<T>;

/**
 * A Sluice client: a ky-style callable over the middleware pipeline, with shortcuts per
 * method, the bare pipeline as `fetch`, and the `stack` it was built from.
 *
 * @example
 * ```ts
 * const client = createClient({ baseUrl: 'https://api.example.com/v1' });
 * const user = await client.get('users/1').json<{ id: number }>();
 * ```
 */
export interface SluiceClient extends ClientCall {
  /** Sends a `GET`: `client.get('users/1').json<User>()`. */
  readonly get: ClientCall;
  /** Sends a `POST`, e.g. with `{ json: body }`. Retried only with an `Idempotency-Key` or when `retry.methods` lists it. */
  readonly post: ClientCall;
  /** Sends a `PUT`, e.g. with `{ json: body }`. */
  readonly put: ClientCall;
  /** Sends a `PATCH`, e.g. with `{ json: changes }`. */
  readonly patch: ClientCall;
  /** Sends a `DELETE`. */
  readonly delete: ClientCall;
  /** Sends a `HEAD`: status and headers only. */
  readonly head: ClientCall;
  /** Sends a `QUERY` (a safe request with a body, such as a search), e.g. with `{ json: filter }`. */
  readonly query: ClientCall;
  /** The bare pipeline: a fetch-compatible function (no baseUrl, client headers or ky). */
  readonly fetch: SluiceFetch;
  /**
   * A fetch-compatible function that goes through the client (baseUrl, client headers and
   * searchParams, ky) and the pipeline; handy for code that expects a `fetch` but should
   * get the client's defaults.
   */
  readonly request: SluiceFetch;
  /** The middleware stack, outermost first. Derive clients with {@link SluiceClient.withStack}. */
  readonly stack: Stack;
  /** The options this client was created with. */
  readonly options: Readonly<ClientOptions>;
  /** The underlying ky instance (its retry/timeout off, its fetch the pipeline). */
  readonly ky: KyInstance;
  /**
   * A new client with the same options and an edited stack. The middlewares it keeps are
   * the same instances, so the rate-limit gate, retry budget and concurrency slots are shared.
   */
  withStack(edit: (stack: Stack) => Stack): SluiceClient;
  /**
   * Pages through a collection with a strategy from `@sluice/core` (`offset`, `skipTake`,
   * `pageNumber`, `cursor`, `linkHeader`, `nextUrl`). Requests go through the client
   * (baseUrl, headers, pipeline) and share one correlation id.
   */
  paginate<Item>(input: string | URL, strategy: PaginationStrategy<Item>, options?: PaginateOptions): Paginator<Item>;
}

const METHODS: readonly ClientMethod[] = ['get', 'post', 'put', 'patch', 'delete', 'head', 'query'];

/**
 * Creates a client: the standard chain
 * (errors · correlationId · observe · timeout.total · retry · concurrency · auth · timeout.attempt)
 * over ky, with ky's own retry, timeout and HTTP-error throwing switched off.
 * The client's `headers` and `searchParams` go to every origin it calls: put credentials
 * in `auth` (`bearer()`, `apiKey()`...), which is scoped, never in client headers.
 *
 * @example
 * ```ts
 * import { createClient } from 'sluice';
 *
 * const client = createClient({ baseUrl: 'https://api.example.com/v1', timeout: 10_000 });
 * const user = await client.get('users/1', { retry: { limit: 1 } }).json<{ id: number }>();
 * const quiet = client.withStack((stack) => stack.remove('retry'));
 * ```
 */
export function createClient(options: ClientOptions = {}): SluiceClient {
  const baseUrl = checkOptions(options);
  const stack = options.stack ?? standardStack(options);
  const terminal = options.fetch as FetchLike | undefined;
  const pipeline = stack.compose(terminal ? { fetch: terminal } : {});
  const shared = sharedFetches(pipeline);
  // Whether the client's own ky options may put a signal on a request (a default signal, or hooks).
  const kyDefaultsMaySignal = options.ky?.signal != null || options.ky?.hooks !== undefined;

  const kyInstance = ky.create({
    ...(options.ky ?? {}),
    // A Headers instance (not a dict) makes ky merge per-request headers case-insensitively.
    ...(options.headers === undefined ? {} : { headers: new Headers(options.headers) }),
    ...(options.searchParams === undefined ? {} : { searchParams: options.searchParams }),
    retry: 0,
    timeout: false,
    throwHttpErrors: false,
    fetch: shared.plain,
    parseJson,
  });
  // Calls that bring no options use this one: its fetch tells the pipeline that no caller signal exists.
  const kyQuiet = kyDefaultsMaySignal ? kyInstance : kyInstance.extend({ fetch: shared.quiet });

  const resolve = resolverFor(baseUrl);
  // ky appends per-request params to the client's; Sluice lets the request's keys win.
  const clientParams = options.searchParams ?? options.ky?.searchParams;
  const prepare = (input: Input, given: ClientRequestOptions): [Input, KyOptions] => {
    if (typeof given !== 'object') throw new TypeError(`The request options must be an object, got ${typeof given}.`);
    const kyOptions = callOptions(given, kyDefaultsMaySignal || input instanceof Request, pipeline, shared);
    let target = input;
    const requestParams = kyOptions.searchParams;
    if (clientParams != null && requestParams != null) {
      const { params, removed } = mergeSearchParams(clientParams, requestParams);
      kyOptions.searchParams = replaceOption(params) as unknown as KyOptions['searchParams'];
      // A dict value `undefined` also removes the key from the input's own query, as ky does.
      if (removed.size > 0 && typeof target === 'string') target = dropQueryKeys(target, removed);
      else if (removed.size > 0 && target instanceof URL) target = dropQueryKeys(target.href, removed);
    }
    return [target, kyOptions];
  };
  const call = (method: ClientMethod | undefined): ClientCall => {
    const quiet = (method ? kyQuiet[method] : kyQuiet) as (input: Input, options?: KyOptions) => ResponsePromise;
    const full = (method ? kyInstance[method] : kyInstance) as (input: Input, options?: KyOptions) => ResponsePromise;
    return <T>(input: Input, given?: ClientRequestOptions) => {
      let target = input;
      try {
        target = resolve(input);
        // The fast path: no options, no Request of the caller's; nothing is merged or made per call.
        if (given == null && !(input instanceof Request)) return withSchemaErrors(quiet(target)) as ResponsePromise<T>;
        if (given == null) return withSchemaErrors(full(target)) as ResponsePromise<T>;
        const [prepared, kyOptions] = prepare(target, given);
        target = prepared;
        return withSchemaErrors(full(target, kyOptions)) as ResponsePromise<T>;
      } catch (error) {
        // `new Request` quotes the URL in its message, a password included: redact it. A
        // request that cannot be built rejects the promise the caller holds; it never throws.
        return rejectedResponse<T>(redactUrlInError(error, target instanceof Request ? target.url : String(target), untaggedRedaction()));
      }
    };
  };

  const client = call(undefined) as SluiceClient;
  const viaClient: SluiceFetch = (input, init) => client(input instanceof URL ? input.href : input, init as ClientRequestOptions);
  const properties: PropertyDescriptorMap = {
    fetch: { value: pipeline, enumerable: true },
    request: { value: viaClient, enumerable: true },
    stack: { value: stack, enumerable: true },
    options: { value: Object.freeze({ ...options }), enumerable: true },
    ky: { value: kyInstance, enumerable: true },
    withStack: {
      value: (edit: (stack: Stack) => Stack) => {
        const next = edit(stack);
        if (!(next instanceof Stack)) throw new TypeError('withStack: the edit function must return a Stack.');
        return createClient({ ...options, stack: next });
      },
      enumerable: true,
    },
  };
  properties.paginate = {
    value: <Item>(input: string | URL, strategy: PaginationStrategy<Item>, paginateOptions?: PaginateOptions) => {
      const start = resolve(input);
      return paginate<Item>(viaClient, start instanceof URL ? start.href : String(start), strategy, paginateOptions);
    },
    enumerable: true,
  };
  for (const method of METHODS) properties[method] = { value: call(method), enumerable: true };
  Object.defineProperties(client, properties);
  return client;
}

/** ky's `parseJson`: an empty body is `undefined`; a body that is not JSON a {@link ResponseParseError} without the request's secrets. */
function parseJson(text: string, { request, response }: { request: Request; response: Response }): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (text.trim() === '') return undefined;
    throw parseError(error, request, response);
  }
}
