import { checkKeys, Stack } from '@sluice/core';
import { refuseLineBreaks } from './call-errors.js';
import { CLIENT_KEYS, KY_KEYS, OWNED_ELSEWHERE, typoOf } from './option-keys.js';
import type { ClientOptions } from './options.js';
import { checkSearchParams } from './search-params.js';
import { maskUserinfo } from './urls.js';

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
  checkKy(options);
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
  if (options.stack !== undefined && !(options.stack instanceof Stack)) {
    throw new TypeError(`createClient: "stack" must be a Stack (from stack(), or client.stack edited), got ${describe(options.stack)}.`);
  }
  if (options.searchParams !== undefined) checkSearchParams('createClient: ', options.searchParams);
  const retry = options.retry;
  if (retry !== null && typeof retry === 'object') {
    // The retry middleware owns gate and retryBudget; the top-level ones are a shortcut to them.
    for (const key of ['gate', 'retryBudget'] as const) {
      if (options[key] !== undefined && retry[key] !== undefined) {
        throw new TypeError(`createClient: "${key}" is given twice, at the top level and in "retry"; give it once (both go to the retry middleware).`);
      }
    }
  }
  if (options.middleware !== undefined && !Array.isArray(options.middleware)) {
    throw new TypeError('createClient: "middleware" must be an array of middlewares or { middleware, before | after | replace }.');
  }
  return baseUrl;
}

/** The `ky` option: an object of ky options, without the ones Sluice owns elsewhere and without typos. */
function checkKy(options: ClientOptions): void {
  const ky = options.ky as Record<string, unknown> | null | undefined;
  if (ky === undefined) return;
  if (ky === null || typeof ky !== 'object') {
    throw new TypeError(`createClient: "ky" must be an object of ky options, got ${describe(ky)}.`);
  }
  for (const key in ky) {
    if (key in KY_KEYS) continue;
    const owner = OWNED_ELSEWHERE[key];
    if (owner) throw new TypeError(`createClient: "ky.${key}" is Sluice's, not ky's, in a client: use ${owner.client}.`);
    const typo = typoOf(key, KY_KEYS);
    if (typo !== undefined) throw new TypeError(`createClient: unknown option "ky.${key}" (did you mean "ky.${typo}"?).`);
    // Other keys are fetch extensions (`dispatcher`, `next`...): ky forwards them, as it does without Sluice.
  }
  for (const key of ['headers', 'searchParams'] as const) {
    if (ky[key] !== undefined && options[key] !== undefined) {
      throw new TypeError(`createClient: "${key}" is given twice, at the top level and in "ky"; give it once, at the top level.`);
    }
  }
  if (ky.searchParams !== undefined) checkSearchParams('createClient: ky.', ky.searchParams);
  refuseLineBreaks(ky.headers as HeadersInit | undefined);
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
