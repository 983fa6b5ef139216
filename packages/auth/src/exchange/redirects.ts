import { addSecrets, cloneForReplay, type Context } from '@sluice/core';
import type { AuthScheme } from '../scheme.js';
import type { AuthCall, Exchange } from './call.js';
import { BODY_HEADERS, discard, manualRedirectsVisible, REDIRECT_STATUSES, rebuild } from './rebuild.js';


/** fetch's own limit. */
const MAX_REDIRECTS = 20;

/**
 * Sends `copy` with credentials and follows redirects by hand, re-attaching credentials
 * only on the original origin (`home`); cross-origin hops go out with no credentials at all.
 */
export async function exchange(call: AuthCall & { readonly copy: Request }): Promise<Exchange> {
  const { scheme, scope, env, home, request: original, copy, context, next } = call;
  const manual = original.redirect === 'follow' && manualRedirectsVisible();
  const redirect: RequestRedirect = manual ? 'manual' : original.redirect;
  let source = copy;
  let url = new URL(copy.url);
  let method = copy.method;
  let dropBody = false;
  let credentialed = true;
  let attached: unknown;
  for (let hops = 0; ; hops++) {
    const headers = new Headers(source.headers);
    if (dropBody) for (const name of BODY_HEADERS) headers.delete(name);
    if (credentialed) {
      attached = await scheme.attach({ headers, url }, context, env);
      rememberAttached(scheme, headers, url, context);
    } else {
      for (const name of ['authorization', 'proxy-authorization', 'cookie', ...(scheme.secretNames ?? [])]) headers.delete(name);
      for (const name of scheme.secretNames ?? []) url.searchParams.delete(name);
    }
    const outgoing = await rebuild(source, { url, headers, redirect, method, dropBody });
    const response = await next(outgoing);
    const location = response.headers.get('location');
    if (!manual || !REDIRECT_STATUSES.has(response.status) || location === null) {
      return { response: hops > 0 ? markRedirected(response) : response, attached, credentialed };
    }

    discard(response);
    if (hops + 1 > MAX_REDIRECTS) {
      // The same words as undici's, so that retry knows it as a failure no attempt can fix.
      throw new TypeError(`fetch failed: redirect count exceeded (more than ${MAX_REDIRECTS} redirects for ${context.method} ${context.redaction.url(context.url)})`);
    }
    const target = new URL(location, url);
    const toGet = (response.status === 303 && method !== 'HEAD') || ((response.status === 301 || response.status === 302) && method === 'POST');
    if (toGet) {
      method = 'GET';
      dropBody = true;
    }
    if (dropBody) source = stripBody(original);
    else source = original.body === null ? original : await cloneForReplay(original, context, 'follow a redirect for');
    url = target;
    credentialed = target.origin === home && scope.has(target.origin);
  }
}

/** `response.redirected` is true after Sluice followed a redirect itself, as it is after fetch's own following. */
function markRedirected(response: Response): Response {
  if (!response.redirected) Object.defineProperty(response, 'redirected', { value: true });
  return response;
}

/**
 * Adds the values of the credential headers and secret query parameters present after
 * `attach` to `context.state.secrets`, so a custom scheme's credentials are redacted too.
 */
function rememberAttached(scheme: AuthScheme, headers: Headers, url: URL, context: Context): void {
  for (const name of ['authorization', 'proxy-authorization', ...(scheme.secretNames ?? [])]) {
    addSecrets(context, headers.get(name) ?? undefined, ...url.searchParams.getAll(name));
  }
}

/** A body-less GET carrying `original`'s headers and options, for a redirect that turns the request into a GET. */
function stripBody(original: Request): Request {
  return new Request(original.url, {
    method: 'GET',
    headers: original.headers,
    redirect: original.redirect,
    signal: original.signal,
    credentials: original.credentials,
    cache: original.cache,
    keepalive: original.keepalive,
    referrerPolicy: original.referrerPolicy,
  });
}
