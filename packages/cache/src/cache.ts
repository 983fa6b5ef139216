import type { Context, Middleware, Next } from '@sluice/core';
import CachePolicy from 'http-cache-semantics';
import { toHeaders, toPolicyRequest, toPolicyResponse } from './policy-io.js';
import type { CacheOptions, CacheStatus } from './options.js';
import { resolve, type Settings } from './settings.js';
import type { CacheEntry } from './store.js';
import { storeInBackground } from './write.js';

export type { CacheOptions, CacheStatus };

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * HTTP caching for GET, on the rules of `http-cache-semantics`: `Cache-Control` (`max-age`,
 * `s-maxage` when shared, `no-store`, `no-cache`, `private`, `must-revalidate`,
 * `stale-while-revalidate`), `Expires`, `Vary`, heuristic freshness, and revalidation with
 * `If-None-Match` / `If-Modified-Since` (a 304 serves the stored body with updated headers).
 * A successful POST, PUT, PATCH or DELETE drops the stored entry of its URL. A failing store
 * never fails a request. Each lookup emits a `cache` event.
 *
 * Place it outside retry and dedupe (`{ middleware: cache(), before: 'timeout.total' }`): a
 * fresh hit then costs no slot, no gate wait and no deadline, and a miss is retried and
 * shared like any request.
 *
 * @example
 * ```ts
 * import { createClient } from 'sluice';
 * import { cache } from '@sluice/cache';
 *
 * const client = createClient({
 *   baseUrl: 'https://api.example.com',
 *   middleware: [{ middleware: cache(), before: 'timeout.total' }],
 * });
 * await client.get('config').json(); // network
 * await client.get('config').json(); // from the cache while fresh
 * ```
 */
export function cache(options: CacheOptions = {}): Middleware {
  const settings = resolve(options);
  return {
    name: 'cache',
    async handle(request, context, next) {
      if (request.method !== 'GET') return invalidateAfter(request, context, next, settings);
      const key = await settings.key(request, context);
      const asked = toPolicyRequest(request, settings.authenticated);
      if (key === undefined) {
        // The chain's auth is not known yet: learn it from this request, then key it by the credential it had.
        const response = await send(request, context, next, settings);
        const learned = await settings.key(request, context);
        if (learned !== undefined) return fromNetwork(response, asked, learned, context, settings);
        context.emit({ type: 'cache', status: 'miss' });
        return response;
      }
      await settings.pending.get(key);
      const entry = await attempt(() => settings.store.get(key));
      if (!entry) return fromNetwork(await send(request, context, next, settings), asked, key, context, settings);

      const policy = CachePolicy.fromObject(entry.policy as unknown as CachePolicy.CachePolicyObject);
      const { response: hit, revalidation } = policy.evaluateRequest(asked);
      settings.watch.vouch(context, undefined); // answered here: middlewares further out learn the chain's auth all the same
      if (hit && !revalidation) return served(entry, hit.headers, context, 'hit');
      const stored: Stored = { entry, policy, key, context, next, s: settings };
      if (hit && revalidation) {
        refreshInBackground(stored, request, revalidation.headers);
        return served(entry, hit.headers, context, 'stale');
      }
      return revalidate(stored, request, revalidation?.headers ?? {});
    },
  };
}

/** A stored entry found for a GET, and what revalidating it needs. */
interface Stored {
  readonly entry: CacheEntry;
  readonly policy: CachePolicy;
  readonly key: string;
  readonly context: Context;
  readonly next: Next;
  readonly s: Settings;
}

/** Sends the conditional request; a 304 serves the stored body, anything else replaces it. */
async function revalidate(stored: Stored, request: Request, headers: CachePolicy.Headers): Promise<Response> {
  const { entry, policy, key, context, next, s } = stored;
  const conditional = new Request(request, { headers: toHeaders(headers) });
  const asked = toPolicyRequest(conditional, s.authenticated);
  const response = await send(conditional, context, next, s);
  const { policy: updated, modified } = policy.revalidatedPolicy(asked, toPolicyResponse(response));
  if (modified || response.status !== 304) return fromNetwork(response, asked, key, context, s, updated);
  response.body?.cancel().catch(() => undefined);
  const refreshed: CacheEntry = { ...entry, policy: { ...updated.toObject() } };
  await attempt(() => s.store.set(key, refreshed));
  return served(refreshed, updated.responseHeaders(), context, 'revalidated');
}

/** stale-while-revalidate: one background revalidation per key, under its own signal. */
function refreshInBackground(stored: Stored, request: Request, headers: CachePolicy.Headers): void {
  const { key, context, s } = stored;
  if (s.refreshing.has(key)) return;
  s.refreshing.add(key);
  // The caller may abort or finish at once: the refresh must not follow its signal.
  const detached = new Request(request, { signal: new AbortController().signal });
  context.signal = detached.signal;
  revalidate(stored, detached, headers)
    .then((response) => response.body?.cancel())
    .catch(() => undefined)
    .finally(() => s.refreshing.delete(key));
}

/** Returns the network response; stores a copy of it when the rules allow, in the background. */
function fromNetwork(
  response: Response,
  asked: CachePolicy.Request,
  key: string,
  context: Context,
  s: Settings,
  known?: CachePolicy,
): Response {
  context.emit({ type: 'cache', status: 'miss' });
  const policy = known ?? new CachePolicy(asked, toPolicyResponse(response), s.policyOptions);
  if (!policy.storable()) {
    // A replacement the rules forbid storing drops the old entry; a 5xx during revalidation keeps it.
    if (known && response.status < 500) void attempt(() => s.store.delete(key));
    return response;
  }
  const entry = { policy: { ...policy.toObject() }, status: response.status, statusText: response.statusText, url: response.url || (asked.url ?? '') };
  storeInBackground(response.clone(), entry, key, s.store, s.pending, s.maxBodyBytes);
  return response;
}

/** An unsafe method that succeeds makes the stored GET of its URL stale: drop it (RFC 9111 §4.4). */
async function invalidateAfter(request: Request, context: Context, next: Next, s: Settings): Promise<Response> {
  const response = await send(request, context, next, s);
  if (!['GET', 'HEAD', 'OPTIONS', 'TRACE'].includes(request.method) && response.status < 400) {
    const key = await s.key(new Request(request.url, { headers: request.headers }), context);
    if (key !== undefined) await attempt(() => s.store.delete(key));
  }
  return response;
}

/** Calls the rest of the chain; the auth the request meets there is remembered for keying the next ones. */
async function send(request: Request, context: Context, next: Next, s: Settings): Promise<Response> {
  try {
    const response = await next(request);
    s.watch.learn(context, true);
    return response;
  } catch (error) {
    s.watch.learn(context, false);
    throw error;
  }
}

function served(entry: CacheEntry, headers: CachePolicy.Headers, context: Context, status: CacheStatus): Response {
  context.emit({ type: 'cache', status });
  const body = NULL_BODY.has(entry.status) ? null : entry.body.slice();
  const response = new Response(body, { status: entry.status, statusText: entry.statusText, headers: toHeaders(headers) });
  Object.defineProperty(response, 'url', { value: entry.url });
  return response;
}

/** Runs a store call; a store that throws or rejects counts as a miss or a no-op. */
async function attempt<T>(call: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch {
    return undefined;
  }
}
