import { REDACTED } from '@sluice/core';

/**
 * Options that say which origins get credentials. Requests to any other origin are sent
 * without them.
 *
 * @example
 * ```ts
 * const scope: AuthScopeOptions = { baseUrl: 'https://api.example.com/v2/', origins: ['https://uploads.example.com'] };
 * ```
 */
export interface AuthScopeOptions {
  /** The client's base URL: its origin gets credentials. */
  baseUrl?: string | URL | undefined;
  /** More origins that get credentials (`https://host:port`; a full URL counts by its origin). */
  origins?: readonly (string | URL)[] | undefined;
}

/**
 * The set of origins from `baseUrl` and `origins`. A value that is not an absolute
 * http(s) URL is a `TypeError` naming it.
 *
 * @example
 * ```ts
 * originsOf({ baseUrl: 'https://api.example.com/v1/' }); // ['https://api.example.com']
 * ```
 */
export function originsOf(scope: AuthScopeOptions, where = 'auth'): string[] {
  const out = new Set<string>();
  if (scope.baseUrl !== undefined) out.add(originOf(scope.baseUrl, `${where}: baseUrl`));
  if (scope.origins !== undefined) {
    if (!Array.isArray(scope.origins)) throw new TypeError(`${where}: "origins" must be an array of URLs, got ${typeof scope.origins}.`);
    scope.origins.forEach((value, index) => {
      out.add(originOf(value, `${where}: origins[${index}]`));
    });
  }
  return [...out];
}

function originOf(value: string | URL, what: string): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new TypeError(`${what} is not an absolute URL: ${JSON.stringify(maskUserinfo(String(value)))}.`);
  }
  if (url.username || url.password) {
    // Only the origin is kept: a password here would be ignored, and it is not echoed.
    throw new TypeError(`${what} must not carry credentials (user:password@); give them to the auth middleware itself. The value is not shown.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`${what} must be an http(s) URL, got ${JSON.stringify(url.protocol)}.`);
  }
  return url.origin;
}

/** `text` with what could be a URL's userinfo (`…//user:pw@`, or `user:pw@` first) replaced, for a message. */
export function maskUserinfo(text: string): string {
  return text.replace(/^([^/?#]*\/\/)?[^/?#]*@/, (_whole, scheme: string | undefined) => `${scheme ?? ''}${REDACTED}@`);
}
