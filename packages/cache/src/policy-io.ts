import { type Context, type CredentialWatch, NO_CREDENTIAL } from '@sluice/core';
import type CachePolicy from 'http-cache-semantics';

/** The request headers that carry credentials: the key is split by a digest of their values. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization', 'api-key', 'x-api-key'];

/** Marks a request as carrying credentials that an inner middleware (auth) adds later. */
const INNER_CREDENTIALS = '(added by an inner middleware)';

/** A request as http-cache-semantics reads it (lowercase header dict, `host` included). */
export function toPolicyRequest(request: Request, authenticated: boolean): CachePolicy.Request {
  const headers = toDict(request.headers);
  headers.host ??= new URL(request.url).host;
  if (authenticated && headers.authorization === undefined) headers.authorization = INNER_CREDENTIALS;
  return { url: request.url, method: request.method, headers };
}

/** A response as http-cache-semantics reads it. */
export function toPolicyResponse(response: Response): CachePolicy.Response {
  return { status: response.status, headers: toDict(response.headers) };
}

/** The library's header dict back into `Headers`, minus the marker it may echo. */
export function toHeaders(dict: CachePolicy.Headers): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(dict)) {
    if (value === undefined || value === INNER_CREDENTIALS) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return headers;
}

function toDict(headers: Headers): Record<string, string> {
  const dict: Record<string, string> = {};
  headers.forEach((value, name) => {
    dict[name] = value;
  });
  return dict;
}

/**
 * The default key: `GET <url>`, plus a SHA-256 digest of the credential header values and
 * the identity of the credential the auth inside will attach (that of a per-request `auth`
 * override, else the chain's auth's, a digest too), so that two users never share an entry
 * and no secret is ever written to the store as a key. `undefined` when that credential
 * cannot be told yet: the request is then neither looked up nor stored under a guess.
 */
export async function defaultCacheKey(request: Request, context: Context, watch: CredentialWatch): Promise<string | undefined> {
  const identity = await watch.identity(request, context);
  if (typeof identity !== 'string') return undefined;
  let key = `GET ${request.url}`;
  // The standard credential headers, and any other the redaction treats as secret (the client's `secrets`).
  const names = [...CREDENTIAL_HEADERS, ...[...context.redaction.names].filter((name) => !CREDENTIAL_HEADERS.includes(name))];
  const present = names.filter((name) => request.headers.has(name));
  if (present.length > 0) key += ` credentials=${await sha256(present.map((name) => `${name}=${request.headers.get(name)}`).join('\n'))}`;
  if (identity !== NO_CREDENTIAL) key += ` auth=${identity}`;
  return key;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
