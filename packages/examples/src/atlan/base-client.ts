/**
 * Atlan's application SDK: its
 * `BaseClient`, rebuilt on Sluice. Feature map:
 * - `ClientInterface.load()` / `close()` → {@link BaseClient.load} (sets the client-level
 *   headers from `credentials`) and {@link BaseClient.close} (aborts calls in flight).
 * - client-level `http_headers` + method-level `headers` (method wins) → the client's
 *   `headers` option, merged under each request's `headers`.
 * - `execute_http_get_request` / `execute_http_post_request` → {@link BaseClient.executeHttpGetRequest}
 *   / {@link BaseClient.executeHttpPostRequest}: params as dict, tuples or string; auth
 *   tuple or bearer; `json` / `data` / `files` / `content` bodies; `timeout` in ms. Non-2xx
 *   statuses throw typed `HttpError`s instead of returning `None`.
 * - httpx-retries `Retry(total, backoff_factor, status_forcelist)` → {@link atlanRetry},
 *   fed to Sluice's `retry` middleware.
 * - the "Complete Client Example" `DataAPIClient` → ./data-api-client.ts.
 * - `httpx.DigestAuth` → `auth: { digest: [username, password] }` (`digest()` from
 *   `@sluice/auth`; the challenge is kept per client, so later calls answer at once).
 * - per-request `cookies` → a `Cookie` header; the client's cookie persistence → the
 *   {@link cookieJar} middleware (./cookie-jar.ts, Node-side; on by default).
 * - `follow_redirects` → per-request `followRedirects` (fetch `redirect: 'follow' | 'manual'`;
 *   `false` returns the 3xx response as is).
 * - `verify` → the client-level `verify` option: `false` or `{ ca }` builds a terminal fetch
 *   bound to an undici `Agent` (./verify.ts, Node-side). TLS checks are a property of the
 *   connection, so `verify` is per client, not per call.
 */
import { type AuthMiddleware, digest, noAuth } from '@sluice/auth';
import { type BackoffFunction, type FetchLike, type RetryOptions, SluiceError } from '@sluice/core';
import { createClient, type ClientRequestOptions, type SluiceClient } from 'sluice';
import { type CookieJarMiddleware, cookieJar } from './cookie-jar.js';
import { checkVerify, verifyFetch } from './verify.js';
import { postBody, toAuth, toSearchParams, withCookies } from './request-parts.js';
import type { AtlanAuth, AtlanCredentials, AtlanPostOptions, AtlanRequestOptions, AtlanRetryConfig, BaseClientOptions } from './types.js';

export type {
  AtlanAuth,
  AtlanCookies,
  AtlanCredentials,
  AtlanFile,
  AtlanHeaders,
  AtlanParams,
  AtlanPostOptions,
  AtlanRequestOptions,
  AtlanRetryConfig,
  BaseClientOptions,
} from './types.js';

/**
 * A call on a client that is not usable: never loaded, or closed.
 *
 * @example
 * ```ts
 * try { await client.executeHttpGetRequest(url); } catch (error) { if (error instanceof ClientStateError) console.log(error.state); }
 * ```
 */
export class ClientStateError extends SluiceError {
  override name = 'ClientStateError';
  constructor(
    readonly state: 'not-loaded' | 'closed',
    what: string,
  ) {
    super(
      state === 'closed'
        ? `${what}: the client is closed; create a new client and call load() again.`
        : `${what}: the client is not loaded; call load({ credentials }) first.`,
    );
  }
}

const DEFAULT_STATUS_FORCELIST = [429, 500, 502, 503, 504] as const;

/**
 * Maps the SDK's httpx-retries config onto Sluice retry options: `total` → `limit`,
 * `backoffFactor` (seconds) → an exponential schedule without jitter, `statusForcelist` →
 * `statuses`.
 *
 * @example
 * ```ts
 * const options = atlanRetry({ total: 5, backoffFactor: 10, statusForcelist: [429, 503] });
 * // { limit: 5, statuses: [429, 503], backoff: (n) => 10_000 × 2^(n-1) }
 * ```
 */
export function atlanRetry(config: AtlanRetryConfig = {}): Partial<RetryOptions> & { backoff: BackoffFunction } {
  const { total = 3, backoffFactor = 0.5, statusForcelist = DEFAULT_STATUS_FORCELIST } = config;
  if (!Number.isInteger(total) || total < 0) throw new TypeError(`atlanRetry: "total" must be an integer ≥ 0, got ${String(total)}.`);
  if (typeof backoffFactor !== 'number' || !Number.isFinite(backoffFactor) || backoffFactor < 0) {
    throw new TypeError(`atlanRetry: "backoffFactor" must be a number of seconds ≥ 0, got ${String(backoffFactor)}.`);
  }
  if (!Array.isArray(statusForcelist) || statusForcelist.some((s) => !Number.isInteger(s) || s < 100 || s > 599)) {
    throw new TypeError(`atlanRetry: "statusForcelist" must be an array of HTTP status codes, got ${String(statusForcelist)}.`);
  }
  return {
    limit: total,
    statuses: [...statusForcelist],
    backoff: (retry) => backoffFactor * 1000 * 2 ** (retry - 1),
  };
}

/**
 * An HTTP client in the shape of Atlan's `BaseClient`. Subclass it and override
 * {@link BaseClient.load} to set your headers from the credentials; the default `load`
 * expects `credentials.api_key` and sends it as a bearer token.
 *
 * @example
 * ```ts
 * const client = new BaseClient({ retry: { total: 3, backoffFactor: 1 } });
 * await client.load({ credentials: { api_key: 'secret' } });
 * const response = await client.executeHttpGetRequest('https://api.example.com/v1/sources', { params: { limit: 100 } });
 * await client.close();
 * ```
 */
export class BaseClient {
  /** Client-level headers, applied to every request; set them in `load()`. */
  protected httpHeaders: Headers;
  /** The credentials given to `load()`. */
  protected credentials: AtlanCredentials = {};
  readonly #options: BaseClientOptions;
  /** `options.retry` (and `retryTuning`) as Sluice retry options, computed once. */
  readonly #retry: Partial<RetryOptions> | false;
  #http: SluiceClient | undefined;
  #closed = false;
  readonly #lifetime = new AbortController();
  readonly #digests = new Map<string, AuthMiddleware>();
  #tls: { fetch: FetchLike; close(): Promise<void> } | undefined;
  #jar: CookieJarMiddleware | undefined;

  constructor(options: BaseClientOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('BaseClient: options must be an object.');
    this.#retry = options.retry === false ? false : { ...atlanRetry(options.retry), ...options.retryTuning };
    if (options.verify !== undefined) checkVerify(options.verify, 'BaseClient');
    if (options.verify !== undefined && options.verify !== true && options.fetch !== undefined) {
      throw new TypeError('BaseClient: give "verify" or "fetch", not both (bind your fetch to an undici Agent with the CA instead).');
    }
    const jar = options.cookieJar ?? true;
    if (typeof jar === 'object' && jar !== null && 'handle' in jar) this.#jar = jar;
    else if (jar === true) this.#jar = cookieJar();
    else if (typeof jar === 'object' && jar !== null) this.#jar = cookieJar(jar);
    else if (jar !== false) throw new TypeError(`BaseClient: "cookieJar" must be a boolean, cookieJar options or a cookieJar(), got ${typeof jar}.`);
    this.#options = options;
    this.httpHeaders = new Headers(options.httpHeaders);
  }

  /**
   * Sets up the client from credentials. The default reads `credentials.api_key` and
   * sends `Authorization: Bearer <api_key>`; override it and call {@link BaseClient.connect}.
   */
  async load(options: { credentials: AtlanCredentials }): Promise<void> {
    this.useApiKey(options, 'BaseClient.load');
    this.connect();
  }

  /**
   * The default `load`'s first half, for subclasses: checks `credentials.api_key`, keeps the
   * credentials and sets `Authorization: Bearer <api_key>` on the client-level headers
   * (those given as `httpHeaders` stay). `where` names the caller in the `TypeError`.
   */
  protected useApiKey(options: { credentials: AtlanCredentials }, where: string): void {
    const apiKey = options?.credentials?.['api_key'];
    if (typeof apiKey !== 'string' || apiKey === '') throw new TypeError(`${where}: "credentials.api_key" is required (a non-empty string).`);
    this.credentials = options.credentials;
    this.httpHeaders.set('authorization', `Bearer ${apiKey}`);
  }

  /** Builds the Sluice client from the current client-level headers; `load()` calls it last. */
  protected connect(): void {
    if (this.#closed) throw new ClientStateError('closed', 'BaseClient.load');
    const { timeout, onEvent, verify } = this.#options;
    if (verify !== undefined && !this.#tls) this.#tls = verifyFetch(verify);
    const fetch = this.#tls?.fetch ?? this.#options.fetch;
    this.#http = createClient({
      headers: this.httpHeaders,
      // An auth middleware with no credentials of its own: per-request `auth` still works.
      auth: noAuth(),
      retry: this.#retry,
      ...(timeout === undefined ? {} : { timeout }),
      ...(fetch ? { fetch } : {}),
      ...(onEvent ? { onEvent } : {}),
      ...(this.#jar ? { middleware: [this.#jar] } : {}),
    });
  }

  /** Ends the client: calls in flight are aborted and later calls fail with {@link ClientStateError}. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#http = undefined;
    this.#lifetime.abort(new ClientStateError('closed', 'BaseClient request'));
    await this.#tls?.close();
  }

  /** GET `url` with the client headers merged under `options.headers`. Non-2xx statuses throw typed `HttpError`s. */
  async executeHttpGetRequest(url: string | URL, options: AtlanRequestOptions = {}): Promise<Response> {
    return this.#send('GET', url, options, {});
  }

  /** POST `url` with a JSON, form, raw or multipart body. Non-2xx statuses throw typed `HttpError`s. */
  async executeHttpPostRequest(url: string | URL, options: AtlanPostOptions = {}): Promise<Response> {
    return this.#send('POST', url, options, postBody(options));
  }

  async #send(method: string, url: string | URL, options: AtlanRequestOptions, body: ClientRequestOptions): Promise<Response> {
    const what = `BaseClient.executeHttp${method === 'GET' ? 'Get' : 'Post'}Request`;
    if (this.#closed) throw new ClientStateError('closed', what);
    const http = this.#http;
    if (!http) throw new ClientStateError('not-loaded', what);
    const signal = options.signal ? AbortSignal.any([options.signal, this.#lifetime.signal]) : this.#lifetime.signal;
    const request: ClientRequestOptions = { method, signal, ...body };
    if (options.headers !== undefined || options.cookies !== undefined) request.headers = withCookies(options.headers, options.cookies);
    if (options.params !== undefined) request.searchParams = toSearchParams(options.params);
    if (options.auth !== undefined) request.auth = this.#toAuth(options.auth);
    if (options.followRedirects !== undefined) {
      if (typeof options.followRedirects !== 'boolean') throw new TypeError(`${what}: "followRedirects" must be a boolean, got ${typeof options.followRedirects}.`);
      request.redirect = options.followRedirects ? 'follow' : 'manual';
    }
    if (options.timeout !== undefined) request.timeout = options.timeout;
    return http(url instanceof URL ? url.href : url, request);
  }

  /** Digest auth is kept per credentials, so its cached challenge serves later calls. */
  #toAuth(auth: AtlanAuth): AuthMiddleware {
    if (auth !== null && typeof auth === 'object' && 'digest' in auth) {
      const pair = auth.digest;
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('BaseClient: "auth.digest" must be a [username, password] tuple.');
      const key = JSON.stringify(pair);
      const known = this.#digests.get(key);
      if (known) return known;
      const middleware = digest(pair[0], pair[1]);
      this.#digests.set(key, middleware);
      return middleware;
    }
    return toAuth(auth);
  }
}
