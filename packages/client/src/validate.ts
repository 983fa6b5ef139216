import { checkNumber } from '@sluice/core';
import type { ClientOptions } from './options.js';
import { maskUserinfo } from './urls.js';

const KNOWN = new Set<string>([
  'baseUrl', 'headers', 'searchParams', 'timeout', 'correlationId', 'fetch', 'middleware', 'throwHttpErrors',
  'mapError', 'secrets', 'retry', 'gate', 'retryBudget', 'concurrency', 'auth', 'onEvent', 'stack', 'ky',
]);

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
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      const hint = key === 'prefix' || key === 'prefixUrl' ? ' (use "baseUrl")' : '';
      throw new TypeError(`createClient: unknown option "${key}"${hint}. Known options: ${[...KNOWN].join(', ')}.`);
    }
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
