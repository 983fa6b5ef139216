import type { Middleware, RequestOptions } from './context.js';

/**
 * A fetch-compatible function whose `init` also takes Sluice's per-request options.
 *
 * @example
 * ```ts
 * const pipeline: SluiceFetch = compose([correlationId()]);
 * const response = await pipeline('https://api.example.com/users', { skip: ['correlationId'] });
 * ```
 */
export type SluiceFetch = (input: Request | string | URL, init?: SluiceRequestInit) => Promise<Response>;

/**
 * `RequestInit` plus Sluice's typed per-request options.
 *
 * @example
 * ```ts
 * const init: SluiceRequestInit = { method: 'POST', body: JSON.stringify({ name: 'x' }), timeout: { attempt: 5_000 } };
 * const response = await compose([timeout({ attempt: 30_000 })])('https://api.example.com/items', init);
 * ```
 */
export type SluiceRequestInit = RequestInit & RequestOptions;

/**
 * The terminal fetch a pipeline ends in.
 *
 * @example
 * ```ts
 * const recorded: Request[] = [];
 * const terminal: FetchLike = async (request) => { recorded.push(request.clone()); return fetch(request); };
 * const pipeline = compose([correlationId()], { fetch: terminal });
 * ```
 */
export type FetchLike = (input: Request, init?: RequestInit) => Promise<Response>;

/**
 * Anything {@link compose} can take besides an array: a list of middlewares, outermost
 * first, such as a `Stack`.
 *
 * @example
 * ```ts
 * const list: MiddlewareList = stack(errors(), retry());
 * const pipeline = compose(list);
 * ```
 */
export interface MiddlewareList {
  /** The middlewares, outermost first. */
  readonly middlewares: readonly Middleware[];
}
