/**
 * Makes the request to send from `source` with new headers, URL and redirect mode. When
 * only headers or the redirect mode change, the body moves over as is (its length stays
 * known); when the URL changes, the body is read into memory first.
 */
export async function rebuild(
  source: Request,
  changes: { url: URL; headers: Headers; redirect: RequestRedirect; method?: string; dropBody?: boolean },
): Promise<Request> {
  const method = changes.method ?? source.method;
  if (changes.url.href === source.url && method === source.method && !changes.dropBody) {
    return new Request(source, { headers: changes.headers, redirect: changes.redirect });
  }
  const body = changes.dropBody || source.body === null ? null : await source.arrayBuffer();
  return new Request(changes.url, {
    method,
    headers: changes.headers,
    body,
    redirect: changes.redirect,
    signal: source.signal,
    credentials: source.credentials,
    cache: source.cache,
    integrity: source.integrity,
    keepalive: source.keepalive,
    referrerPolicy: source.referrerPolicy,
  });
}

/** Headers that describe a body, dropped when a redirect turns the request into a GET. */
export const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];

/** Redirect statuses that carry a `Location` to follow. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * Whether fetch shows redirect responses with `redirect: 'manual'` (Node, Deno, Bun).
 * Browsers return an opaque redirect instead, so there credentials ride fetch's own
 * following, which drops `Authorization` on a cross-origin hop.
 */
export function manualRedirectsVisible(): boolean {
  return typeof (globalThis as { document?: unknown }).document === 'undefined';
}

/** Cancels what is left of a response body that is not passed on (a redirect's, a replaced 401's). */
export function discard(response: Response): void {
  const body = response.body;
  if (body && !response.bodyUsed && !body.locked) body.cancel().catch(() => undefined);
}
