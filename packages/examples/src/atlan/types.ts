import type { FetchLike, RetryOptions, SluiceEvent } from '@sluice/core';
import type { CookieJarMiddleware, CookieJarOptions } from './cookie-jar.js';
import type { AtlanVerify } from './verify.js';

/*
 * The option and value types of the Atlan BaseClient (./base-client.ts re-exports them).
 */

/**
 * A header set: a dict, a `Headers` object, or a list of tuples (like httpx).
 *
 * @example
 * ```ts
 * const headers: AtlanHeaders = [['user-agent', 'my-app/1.0'], ['x-request-id', '123']];
 * ```
 */
export type AtlanHeaders = HeadersInit;

/**
 * Query parameters: a dict, a list of tuples (for repeated keys), or a query string.
 *
 * @example
 * ```ts
 * const params: AtlanParams = [['tag', 'python'], ['tag', 'api']]; // ?tag=python&tag=api
 * ```
 */
export type AtlanParams = Readonly<Record<string, string | number | boolean>> | ReadonlyArray<readonly [string, string | number | boolean]> | string;

/**
 * Per-request credentials: a `[username, password]` tuple or `{ username, password }` for
 * basic auth, `{ bearer }` for a token, `{ digest: [username, password] }` for HTTP Digest
 * (httpx's `DigestAuth`).
 *
 * @example
 * ```ts
 * const basicAuth: AtlanAuth = ['user', 'pass'];
 * const tokenAuth: AtlanAuth = { bearer: 'access-token' };
 * const digestAuth: AtlanAuth = { digest: ['user', 'pass'] };
 * ```
 */
export type AtlanAuth =
  | readonly [username: string, password: string]
  | { username: string; password: string }
  | { bearer: string }
  | { digest: readonly [username: string, password: string] };

/**
 * Cookies for one request: a dict or a list of `[name, value]` tuples.
 *
 * @example
 * ```ts
 * const cookies: AtlanCookies = { session: 'abc', theme: 'dark' };
 * ```
 */
export type AtlanCookies = Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;

/**
 * The SDK's httpx-retries settings.
 *
 * @example
 * ```ts
 * const config: AtlanRetryConfig = { total: 5, backoffFactor: 10, statusForcelist: [429, 500, 502, 503, 504] };
 * ```
 */
export interface AtlanRetryConfig {
  /** Most retries after the first attempt. Default 3. */
  total?: number;
  /** Seconds: retry `n` waits `backoffFactor × 2^(n-1)` s. Default 0.5. */
  backoffFactor?: number;
  /** Statuses that are retried. Default 429, 500, 502, 503, 504. */
  statusForcelist?: readonly number[];
}

/**
 * Options shared by both request methods.
 *
 * @example
 * ```ts
 * const options: AtlanRequestOptions = { headers: { 'x-request-id': '123' }, params: { limit: 100, offset: 0 }, timeout: 30_000 };
 * ```
 */
export interface AtlanRequestOptions {
  /** Merged over the client-level headers; the request's value wins on the same name. */
  headers?: AtlanHeaders;
  params?: AtlanParams;
  auth?: AtlanAuth;
  /** Cookies sent with this call (a `Cookie` header), besides those of the cookie jar. */
  cookies?: AtlanCookies;
  /** `false` returns a 3xx response as is (fetch `redirect: 'manual'`). Default `true`. */
  followRedirects?: boolean;
  /** Deadline of this call in ms (every attempt and wait included). */
  timeout?: number;
  signal?: AbortSignal;
}

/**
 * A file for a multipart upload: a `Blob`/`File`, or its content with a file name and type.
 *
 * @example
 * ```ts
 * const file: AtlanFile = { filename: 'notes.txt', content: 'hello', contentType: 'text/plain' };
 * ```
 */
export type AtlanFile = Blob | { filename: string; content: Blob | Uint8Array | string; contentType?: string };

/**
 * Options of {@link BaseClient.executeHttpPostRequest}: at most one of `json`, `data`
 * (without files) or `content`.
 *
 * @example
 * ```ts
 * const upload: AtlanPostOptions = {
 *   data: { description: 'My file' },
 *   files: { file: { filename: 'file.txt', content: 'hello', contentType: 'text/plain' } },
 * };
 * ```
 */
export interface AtlanPostOptions extends AtlanRequestOptions {
  /** Any JSON-serialisable value, sent as `application/json`. */
  json?: unknown;
  /** Form fields: URL-encoded, or multipart fields when `files` are given. */
  data?: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;
  /** Raw bytes or text, sent as is. */
  content?: Uint8Array | string | Blob;
  /** Files to upload (multipart/form-data), by field name. */
  files?: Readonly<Record<string, AtlanFile>>;
}

/**
 * Options of the {@link BaseClient} constructor.
 *
 * @example
 * ```ts
 * const options: BaseClientOptions = { httpHeaders: [['user-agent', 'my-app/1.0']], retry: { total: 2 } };
 * ```
 */
export interface BaseClientOptions {
  /** Client-level headers before `load()` (which may replace them). */
  httpHeaders?: AtlanHeaders;
  /** The retry config; `false` sends every request once. */
  retry?: AtlanRetryConfig | false;
  /** Extra Sluice retry options (e.g. an injected `sleep` for tests). */
  retryTuning?: Partial<RetryOptions>;
  /** Default deadline of a call in ms. Default 120 000. */
  timeout?: number;
  /** The terminal fetch. */
  fetch?: FetchLike;
  /**
   * TLS certificate checks (Node): `true` (default), `false` (none; development only), or
   * `{ ca }` to trust a private CA. Not with `fetch` (bring an Agent-bound fetch instead).
   */
  verify?: AtlanVerify;
  /**
   * Keeps cookies the servers set and sends them back, each origin only its own (Node).
   * `false` turns it off; pass options or a jar of your own. Default: on.
   */
  cookieJar?: boolean | CookieJarOptions | CookieJarMiddleware;
  /** Receives every pipeline event (the SDK's logging hooks). */
  onEvent?: (event: SluiceEvent) => void;
}

/**
 * Credentials handed to {@link BaseClient.load}.
 *
 * @example
 * ```ts
 * const credentials: AtlanCredentials = { api_key: 'secret', base_url: 'https://api.datasource.com' };
 * ```
 */
export type AtlanCredentials = Readonly<Record<string, unknown>>;
