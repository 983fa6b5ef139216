import type { AuthMiddleware } from '@sluice/auth';
import { announceCredentialSource, type CredentialSource, type FetchLike, type Middleware, NO_CREDENTIAL, optionError } from '@sluice/core';

/**
 * The `auth` slot of a client given no `auth`: it sends no credentials of its own, as
 * `noAuth()` does, but still honours a per-request `auth` (Atlan's application SDK passes
 * auth per call), which does the work itself through its
 * {@link @sluice/auth!AuthMiddleware.handleAsOverride}, with the client's terminal fetch for
 * its token calls. So a client without auth bundles none of @sluice/auth's machinery, and
 * a request without a per-request `auth` costs one property read. Like every auth
 * middleware it announces itself to dedupe() and cache(), as a source of no credential.
 *
 * @example
 * ```ts
 * const client = createClient({ baseUrl: 'https://api.example.com', fetch: myFetch });
 * // client.stack.names() includes 'auth': the slot defaultAuth({ fetch: myFetch }) builds
 * await client.get('me', { auth: bearer('per-call') });
 * ```
 */
export function defaultAuth(binding: { fetch?: FetchLike | undefined } = {}): Middleware & CredentialSource {
  const fetch = binding.fetch;
  const self: Middleware & CredentialSource = {
    name: 'auth',
    credentialIdentity: () => Promise.resolve(NO_CREDENTIAL),
    handle(request, context, next) {
      announceCredentialSource(context, self);
      const override = context.options.auth;
      if (override === undefined || override === false) return next(request);
      if (!isAuthMiddleware(override)) {
        return Promise.reject(
          optionError('The "auth" request option must be false or an auth middleware such as bearer(…), basic(…), apiKey(…) or tokenAuth(…).'),
        );
      }
      return override.handleAsOverride(request, context, next, fetch);
    },
  };
  return self;
}

/** The check noAuth() makes of a per-request `auth`, and the method this slot calls on it. */
function isAuthMiddleware(value: unknown): value is AuthMiddleware {
  if (typeof value !== 'object' || value === null || !('scheme' in value)) return false;
  const auth = value as Partial<AuthMiddleware>;
  return typeof auth.bind === 'function' && typeof auth.handleAsOverride === 'function';
}
