import { addSecrets } from '@sluice/core';
import { base64Utf8 } from '../util/base64.js';
import { type AuthMiddleware, type AuthMiddlewareOptions, createAuthMiddleware } from './auth-middleware.js';

/**
 * Options of {@link basic}: which origins get the credentials.
 *
 * @example
 * ```ts
 * const options: BasicOptions = { origins: ['https://api.example.com'] };
 * ```
 */
export type BasicOptions = AuthMiddlewareOptions;

/**
 * Sends HTTP Basic credentials (`Authorization: Basic base64(user:password)`, UTF-8) to
 * in-scope origins. The password and header value are added to `context.state.secrets`,
 * so errors and events redact them.
 *
 * @example
 * ```ts
 * const auth = basic('user', 'pass', { origins: ['https://api.example.com'] });
 * ```
 */
export function basic(username: string, password: string, options: BasicOptions = {}): AuthMiddleware {
  if (typeof username !== 'string') throw new TypeError(`basic(username, password): username must be a string, got ${typeof username}.`);
  if (username.includes(':')) throw new TypeError('basic(username, password): username must not contain ":" (RFC 7617).');
  if (typeof password !== 'string') throw new TypeError(`basic(username, password): password must be a string, got ${typeof password}.`);
  const encoded = base64Utf8(`${username}:${password}`);
  const value = `Basic ${encoded}`;
  return createAuthMiddleware(
    {
      attach({ headers }, context) {
        addSecrets(context, password, encoded, value);
        headers.set('authorization', value);
      },
    },
    options,
  );
}
