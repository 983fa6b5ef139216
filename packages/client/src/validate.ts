import { checkKeys, checkNumber, type OptionKeys } from '@sluice/core';
import type { ClientOptions } from './options.js';
import { maskUserinfo } from './urls.js';

/** Every key of {@link ClientOptions}: the compiler keeps this list complete. */
const CLIENT_KEYS: OptionKeys<ClientOptions> = {
  baseUrl: true, headers: true, searchParams: true, timeout: true, correlationId: true, fetch: true, middleware: true,
  throwHttpErrors: true, mapError: true, secrets: true, retry: true, gate: true, retryBudget: true, concurrency: true,
  auth: true, onEvent: true, stack: true, ky: true,
};

/**
 * Checks client options and throws a `TypeError` naming what is wrong. Returns the
 * normalised base URL (an absolute http(s) URL string), if any.
 *
 * @example
 * ```ts
 * checkOptions({ baseUrl: 'https://api.example.com' }); // 'https://api.example.com/'
 * ```
 */
export function checkOptions(options: ClientOptions): string | undefined {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`createClient: options must be an object; got ${String(options)}.`);
  }
  for (const key of ['prefix', 'prefixUrl']) {
    if (key in options) throw new TypeError(`createClient: unknown option "${key}" (use "baseUrl"). Known options: ${Object.keys(CLIENT_KEYS).join(', ')}.`);
  }
  checkKeys('createClient', options, CLIENT_KEYS);
  if (options.ky !== undefined && (options.ky === null || typeof options.ky !== 'object')) {
    throw new TypeError(`createClient: "ky" must be an object of ky options, got ${options.ky === null ? 'null' : typeof options.ky}.`);
  }
  let baseUrl: string | undefined;
  if (options.baseUrl !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(String(options.baseUrl));
    } catch {
      throw new TypeError(
        `createClient: "baseUrl" must be an absolute URL such as "https://api.example.com/v1"; got "${maskUserinfo(String(options.baseUrl))}".`,
      );
    }
    if (parsed.username || parsed.password) {
      // The value is not echoed: it holds a credential.
      throw new TypeError(
        'createClient: "baseUrl" must not carry credentials (user:password@); pass them with the "auth" option, e.g. basic(username, password) from @sluice/auth.',
      );
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new TypeError(`createClient: "baseUrl" must use http: or https:; got "${parsed.protocol}".`);
    }
    if (parsed.search || parsed.hash) {
      throw new TypeError('createClient: "baseUrl" must not carry a query or fragment; use the "searchParams" option.');
    }
    baseUrl = parsed.href;
  }
  if (options.headers !== undefined) {
    try {
      new Headers(options.headers);
    } catch (error) {
      throw new TypeError(`createClient: "headers" is not a valid headers dict, Headers or list of [name, value] pairs: ${(error as Error).message}`);
    }
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new TypeError(`createClient: "fetch" must be a function; got ${typeof options.fetch}.`);
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
    throw new TypeError(`createClient: "onEvent" must be a function; got ${typeof options.onEvent}.`);
  }
  if (options.auth !== undefined && options.auth !== false) {
    const auth = options.auth as { name?: unknown; handle?: unknown } | null;
    if (!auth || typeof auth.handle !== 'function' || typeof auth.name !== 'string') {
      throw new TypeError('createClient: "auth" must be an auth middleware from @sluice/auth (bearer, basic, apiKey, tokenAuth) or false.');
    }
  }
  if (options.concurrency !== undefined && options.concurrency !== false && typeof options.concurrency === 'number') {
    checkNumber('createClient', 'concurrency', options.concurrency, { integer: true, min: 1 });
  }
  if (options.middleware !== undefined && !Array.isArray(options.middleware)) {
    throw new TypeError('createClient: "middleware" must be an array of middlewares or { middleware, before | after | replace }.');
  }
  return baseUrl;
}
