import { addSecrets } from '@sluice/core';
import { type AuthMiddleware, type AuthMiddlewareOptions, createAuthMiddleware } from './auth-middleware.js';
import { checkSecret, readSecret, type SecretSource } from '../credentials/secret-value.js';

/**
 * Options of {@link bearer}: which origins get the token.
 *
 * @example
 * ```ts
 * const options: BearerOptions = { origins: ['https://api.example.com'] };
 * ```
 */
export type BearerOptions = AuthMiddlewareOptions;

/**
 * Sends `Authorization: Bearer <token>` to in-scope origins. `token` is a string or a
 * function (sync or async) called for every request. A 401 is returned as is; for tokens
 * that expire, use {@link tokenAuth}. The token and header value are added to
 * `context.state.secrets`, so errors and events redact them.
 *
 * @example
 * ```ts
 * const auth = bearer(() => process.env.API_TOKEN ?? '', { origins: ['https://api.example.com'] });
 * ```
 */
export function bearer(token: SecretSource, options: BearerOptions = {}): AuthMiddleware {
  checkSecret(token, 'bearer(token): token');
  return createAuthMiddleware(
    {
      async attach({ headers }, context) {
        const value = await readSecret(token, 'bearer(token): the token function');
        const header = `Bearer ${value}`;
        addSecrets(context, value, header);
        headers.set('authorization', header);
      },
    },
    options,
  );
}
