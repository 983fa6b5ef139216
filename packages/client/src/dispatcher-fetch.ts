import type { FetchLike } from '@sluice/core';

/**
 * The shape of undici's `fetch` that {@link dispatcherFetch} needs: a URL and an init that
 * takes undici's `dispatcher`.
 */
export type UndiciFetch<Dispatcher = unknown> = (
  url: string,
  init: {
    method: string;
    headers: [string, string][];
    body?: ReadableStream<Uint8Array> | null;
    duplex?: 'half';
    redirect: NonNullable<RequestInit['redirect']>;
    signal: AbortSignal;
    dispatcher: Dispatcher;
  },
) => Promise<{
  /** The response's HTTP status. */
  status: number;
  /** The response's status text. */
  statusText: string;
  /** The response headers as name-value pairs. */
  headers: Iterable<[string, string]>;
  /** The response body stream (undici's), or `null`. */
  body: unknown;
}>;

/**
 * A terminal fetch that sends every request through an undici dispatcher: an `Agent` with
 * `connect: { cert, key, ca }` for mutual TLS or a private CA (Sequoia's MUTUAL, Atlan's
 * `verify`), `connect: { rejectUnauthorized: false }` to skip verification, or a
 * `ProxyAgent` for an HTTP(S) proxy (the `proxies` of the API-client patterns blog post). Pass undici's own
 * `fetch`, so that Sluice itself does not depend on undici. Node only.
 *
 * @example
 * ```ts
 * import { Agent, ProxyAgent, fetch as undiciFetch } from 'undici';
 * import { createClient, dispatcherFetch } from 'sluice';
 *
 * const viaProxy = createClient({
 *   baseUrl: 'https://api.example.com',
 *   fetch: dispatcherFetch(new ProxyAgent('http://proxy.internal:3128'), undiciFetch),
 * });
 * const mutual = createClient({
 *   baseUrl: 'https://api.example.com',
 *   fetch: dispatcherFetch(new Agent({ connect: { cert: '…', key: '…', ca: '…' } }), undiciFetch),
 * });
 * ```
 */
export function dispatcherFetch<Dispatcher extends object>(dispatcher: Dispatcher, undiciFetch: UndiciFetch<Dispatcher>): FetchLike {
  if (dispatcher === null || typeof dispatcher !== 'object') {
    throw new TypeError('dispatcherFetch(dispatcher, fetch): "dispatcher" must be an undici Dispatcher (Agent, ProxyAgent, Pool...).');
  }
  if (typeof undiciFetch !== 'function') {
    throw new TypeError("dispatcherFetch(dispatcher, fetch): pass undici's fetch as the second argument.");
  }
  return async (request, init) => {
    const response = await undiciFetch(request.url, {
      method: request.method,
      headers: [...request.headers],
      ...(request.body === null ? {} : { body: request.body, duplex: 'half' as const }),
      redirect: request.redirect,
      signal: init?.signal ?? request.signal,
      dispatcher,
    });
    // Hand the pipeline a standard Response (undici's own class may differ from the global one).
    return new Response(response.body as ReadableStream<Uint8Array> | null, {
      status: response.status,
      statusText: response.statusText,
      headers: [...response.headers],
    });
  };
}
