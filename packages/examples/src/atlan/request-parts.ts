import { type AuthMiddleware, basic, bearer } from '@sluice/auth';
import type { ClientRequestOptions } from 'sluice';
import { appendCookies } from './cookie-jar.js';
import type { AtlanAuth, AtlanCookies, AtlanHeaders, AtlanParams, AtlanPostOptions } from './types.js';

/*
 * Internal: how the Atlan BaseClient turns one call's httpx-style arguments (cookies,
 * params, auth, POST bodies) into Sluice request options.
 */

const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** RFC 6265 cookie-octets: printable ASCII except space, `"`, `,`, `;` and `\`. */
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;

/** The request's headers with `cookies` appended to its `Cookie` header. */
export function withCookies(headers: AtlanHeaders | undefined, cookies: AtlanCookies | undefined): Headers {
  const out = new Headers(headers);
  if (cookies === undefined) return out;
  if (cookies === null || typeof cookies !== 'object') throw new TypeError(`BaseClient: "cookies" must be a dict or [name, value] tuples, got ${cookies === null ? 'null' : typeof cookies}.`);
  const entries = Array.isArray(cookies) ? cookies : Object.entries(cookies);
  const parts: string[] = [];
  for (const entry of entries as ReadonlyArray<readonly [unknown, unknown]>) {
    const [name, value] = Array.isArray(entry) ? entry : [];
    if (typeof name !== 'string' || !COOKIE_NAME.test(name)) throw new TypeError(`BaseClient: cookie name ${JSON.stringify(name)} is not a valid token.`);
    if (typeof value !== 'string' || !COOKIE_VALUE.test(value)) {
      throw new TypeError(`BaseClient: the value of cookie "${name}" must be a string without spaces, quotes, commas, semicolons or backslashes.`);
    }
    parts.push(`${name}=${value}`);
  }
  appendCookies(out, parts);
  return out;
}

/** `params` (a dict, tuples or a query string) as URLSearchParams. */
export function toSearchParams(params: AtlanParams): URLSearchParams {
  if (typeof params === 'string') return new URLSearchParams(params);
  const entries = Array.isArray(params) ? params : Object.entries(params);
  const out = new URLSearchParams();
  for (const entry of entries as ReadonlyArray<readonly [string, unknown]>) {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') {
      throw new TypeError('BaseClient: "params" tuples must be [name, value] pairs.');
    }
    out.append(entry[0], String(entry[1]));
  }
  return out;
}

/** The auth middleware for an httpx-style `auth` (a tuple, `{ username, password }` or `{ bearer }`). */
export function toAuth(auth: AtlanAuth): AuthMiddleware {
  if (Array.isArray(auth)) return basic(auth[0], auth[1]);
  if ('bearer' in auth) return bearer(auth.bearer);
  if ('username' in auth) return basic(auth.username, auth.password);
  throw new TypeError('BaseClient: "auth" must be [username, password], { username, password }, { bearer } or { digest: [username, password] }.');
}

/** The body options of a POST from its `json`, `content`, `data` or `files` (refusing combinations httpx refuses). */
export function postBody(options: AtlanPostOptions): ClientRequestOptions {
  const given = (['json', 'content', 'data', 'files'] as const).filter((key) => options[key] !== undefined);
  if (given.includes('json') && given.length > 1) {
    throw new TypeError(`BaseClient.executeHttpPostRequest: "json" cannot be combined with ${given.filter((k) => k !== 'json').join(', ')}.`);
  }
  if (given.includes('content') && given.length > 1) {
    throw new TypeError(`BaseClient.executeHttpPostRequest: "content" cannot be combined with ${given.filter((k) => k !== 'content').join(', ')}.`);
  }
  if (options.json !== undefined) return { json: options.json };
  if (options.content !== undefined) return { body: options.content as BodyInit };
  const fields = options.data === undefined ? [] : Array.isArray(options.data) ? options.data : Object.entries(options.data);
  if (options.files === undefined) return options.data === undefined ? {} : { body: new URLSearchParams(fields as [string, string][]) };
  const form = new FormData();
  for (const [name, value] of fields) form.append(name, value);
  for (const [name, file] of Object.entries(options.files)) {
    if (file instanceof Blob) form.append(name, file, file instanceof File ? file.name : name);
    else form.append(name, new Blob([file.content as BlobPart], { type: file.contentType ?? 'application/octet-stream' }), file.filename);
  }
  return { body: form };
}
