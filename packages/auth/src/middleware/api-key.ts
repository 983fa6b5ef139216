import { addSecrets, checkKeys, type OptionKeys } from '@sluice/core';
import { type AuthMiddleware, type AuthMiddlewareOptions, createAuthMiddleware } from './auth-middleware.js';
import { checkSecret, readSecret, type SecretSource } from '../credentials/secret-value.js';
import { AUTH_KEYS } from './option-keys.js';

/**
 * Options of {@link apiKey}: exactly one of `header` or `query`, the key (or a function
 * returning it), and which origins get it.
 *
 * @example
 * ```ts
 * const options: ApiKeyOptions = { header: 'X-Octopus-ApiKey', value: 'API-XXXX', origins: ['https://octopus.example.com'] };
 * ```
 */
export type ApiKeyOptions = AuthMiddlewareOptions & {
  /** The key: a string, or a function that returns it (read on every request). */
  value: SecretSource;
} & (
    | {
        /** The header that carries the key, e.g. `'X-Octopus-ApiKey'`. */
        header: string;
        /** Not with `header`: the key goes in one place. */
        query?: undefined;
      }
    | {
        /** The query parameter that carries the key, e.g. `'api_key'`. */
        query: string;
        /** Not with `query`: the key goes in one place. */
        header?: undefined;
      }
  );

/**
 * Sends an API key in a header or a query parameter to in-scope origins. The name is
 * added to the request's redaction and the key to `context.state.secrets`, so the key
 * never shows in errors or events.
 *
 * @example
 * ```ts
 * const octopus = apiKey({ header: 'X-Octopus-ApiKey', value: 'API-XXXX', origins: ['https://octopus.example.com'] });
 * const nasa = apiKey({ query: 'api_key', value: 'DEMO_KEY', origins: ['https://api.nasa.gov'] });
 * ```
 */
export function apiKey(options: ApiKeyOptions): AuthMiddleware {
  if (!options || typeof options !== 'object') throw new TypeError('apiKey(options): options must be an object with "header" or "query", and "value".');
  checkKeys('apiKey(options)', options, API_KEY_KEYS);
  const { header, query, value } = options;
  if ((header === undefined) === (query === undefined)) {
    throw new TypeError('apiKey(options): give exactly one of "header" or "query".');
  }
  const name = header ?? query;
  if (typeof name !== 'string' || name === '') throw new TypeError(`apiKey(options): "${header !== undefined ? 'header' : 'query'}" must be a non-empty string.`);
  if (header !== undefined && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) {
    throw new TypeError(`apiKey(options): "header" must be an HTTP header name (letters, digits and !#$%&'*+-.^_\`|~), got ${JSON.stringify(header)}.`);
  }
  checkSecret(value, 'apiKey(options): "value"');
  return createAuthMiddleware(
    {
      secretNames: [name],
      async attach({ headers, url }, context) {
        const key = await readSecret(value, 'apiKey(options): the "value" function');
        addSecrets(context, key, encodeURIComponent(key), new URLSearchParams({ k: key }).toString().slice(2));
        if (header !== undefined) headers.set(header, key);
        else url.searchParams.set(name, key);
      },
    },
    options,
  );
}

// Object.assign, not a spread: a pure-annotated call is dropped from an app that never uses it (a spread is not).
const API_KEY_KEYS: OptionKeys<ApiKeyOptions> = /* @__PURE__ */ Object.assign({}, AUTH_KEYS, { value: true, header: true, query: true } as const);
