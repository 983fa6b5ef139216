import { type AuthMiddleware, type AuthMiddlewareOptions, createAuthMiddleware } from './auth-middleware.js';

/**
 * An `auth` middleware that sends no credentials of its own (NO_AUTH in Sequoia's client SDK),
 * but still honours a per-request `auth` option, so single calls can carry credentials
 * (Atlan's application SDK passes auth per request).
 *
 * @example
 * ```ts
 * const pipeline = compose([noAuth()]);
 * await pipeline('https://api.example.com/me', { auth: basic('user', 'pass') });
 * ```
 */
export function noAuth(options: AuthMiddlewareOptions = {}): AuthMiddleware {
  return createAuthMiddleware(undefined, options);
}
