import {
  announceCredentialSource,
  type Context,
  type CredentialSource,
  type FetchLike,
  type Middleware,
  type Next,
  NO_CREDENTIAL,
  optionError,
} from '@sluice/core';
import { credentialIdentity } from '../credentials/identity.js';
import { type AuthScopeOptions, originsOf } from '../credentials/scope.js';
import { authorize } from '../exchange/authorize.js';
import type { AuthEnv, AuthScheme, RecoverVerdict } from '../scheme.js';

export type { AuthEnv, AuthScheme, RecoverVerdict };

declare module '@sluice/core' {
  interface RequestOptions {
    /**
     * Credentials for this request only: `false` sends none, another auth middleware
     * (`bearer('…')`, `basic(…)`, `tokenAuth(…)`) replaces the client's for this call.
     */
    auth?: false | AuthMiddleware | undefined;
  }
}

/**
 * What `createClient` (or you) adds to an auth middleware: more origins (the client's
 * `baseUrl`) and the terminal fetch for token calls when the auth has none of its own.
 *
 * @example
 * ```ts
 * const bound = bearer('t').bind({ baseUrl: 'https://api.example.com', fetch: myFetch });
 * ```
 */
export interface AuthBinding extends AuthScopeOptions {
  /** The terminal fetch for token calls, used when the auth was given none of its own. */
  fetch?: FetchLike | undefined;
}

/**
 * The middleware every auth factory returns, named `auth`. It attaches credentials only
 * to requests whose origin is in scope (`baseUrl`, `origins`); follows redirects itself
 * (`redirect: 'manual'`) and re-attaches them only on the original origin; honours the
 * per-request `auth` option (`false`, or another auth for one call). Every credential
 * value it attaches (the `Authorization` value, a secret header or query value, and what
 * the scheme adds itself) goes into `context.state.secrets`, for redaction in errors and
 * events.
 *
 * @example
 * ```ts
 * const pipeline = compose([bearer('secret', { origins: ['https://api.example.com'] })]);
 * await pipeline('https://api.example.com/me');
 * await pipeline('https://api.example.com/public', { auth: false });
 * ```
 */
export interface AuthMiddleware extends Middleware, CredentialSource {
  /** Always `'auth'`: one auth middleware per stack, and per-request `auth` replaces it. */
  readonly name: 'auth';
  /** The origins that get credentials. */
  readonly origins: readonly string[];
  /** How credentials are attached; `undefined` for {@link @sluice/auth!noAuth}. */
  readonly scheme: AuthScheme | undefined;
  /** The fetch used for token calls, when one was given. */
  readonly fetch: FetchLike | undefined;
  /** A copy (sharing its tokens and state) with more origins and a default fetch. */
  bind(binding: AuthBinding): AuthMiddleware;
  /**
   * Handles one request as the per-request `auth` of another auth middleware (or of
   * `createClient`'s default slot): credentials go to its own origins, else to the
   * request's origin; token calls use its own fetch, else `fetch`. It announces nothing
   * (the slot it stands in for does) and does not read `context.options.auth`.
   *
   * @example
   * ```ts
   * const slot: Middleware = { name: 'auth', handle: (request, context, next) => bearer('t').handleAsOverride(request, context, next) };
   * ```
   */
  handleAsOverride(request: Request, context: Context, next: Next, fetch?: FetchLike): Promise<Response>;
}

/**
 * Options of {@link createAuthMiddleware} and of every auth factory: the origin scope,
 * and the fetch for token calls.
 *
 * @example
 * ```ts
 * const options: AuthMiddlewareOptions = { baseUrl: 'https://api.example.com', origins: ['https://files.example.com'] };
 * ```
 */
export interface AuthMiddlewareOptions extends AuthScopeOptions {
  /** The terminal fetch for token calls. Default: the bound one, else `globalThis.fetch` (looked up per call). */
  fetch?: FetchLike | undefined;
}

/** The terminal fetch when none was given: `globalThis.fetch`, looked up per call. */
const globalFetch: FetchLike = (input, init) => globalThis.fetch(input, init);

/** The origin set of each middleware's `origins` array (shared by its `bind` and `withStats` copies), built once. */
const scopes = new WeakMap<readonly string[], ReadonlySet<string>>();

/**
 * Makes an {@link AuthMiddleware} from a scheme. The building block of `bearer`,
 * `basic`, `apiKey` and `tokenAuth`; use it for a scheme of your own.
 *
 * @example
 * ```ts
 * const session = createAuthMiddleware(
 *   { attach: ({ headers }) => headers.set('x-session', readSession()) },
 *   { origins: ['https://api.example.com'] },
 * );
 * ```
 */
export function createAuthMiddleware(scheme: AuthScheme | undefined, options: AuthMiddlewareOptions = {}): AuthMiddleware {
  if (scheme !== undefined && typeof scheme?.attach !== 'function') {
    throw new TypeError('createAuthMiddleware(scheme): scheme must have an "attach" function.');
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`createAuthMiddleware(scheme, options): options must be an object, got ${options === null ? 'null' : typeof options}.`);
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new TypeError(`auth: "fetch" must be a function, got ${typeof options.fetch}.`);
  }
  return build(scheme, originsOf(options), options.fetch, undefined);
}

function build(scheme: AuthScheme | undefined, origins: string[], ownFetch: FetchLike | undefined, boundFetch: FetchLike | undefined): AuthMiddleware {
  scopes.set(origins, new Set(origins));
  const self: AuthMiddleware = {
    name: 'auth',
    origins,
    scheme,
    fetch: ownFetch,
    bind(binding) {
      const more = originsOf(binding, 'auth.bind');
      if (binding.fetch !== undefined && typeof binding.fetch !== 'function') {
        throw new TypeError(`auth.bind: "fetch" must be a function, got ${typeof binding.fetch}.`);
      }
      return build(scheme, [...new Set([...origins, ...more])], ownFetch, binding.fetch ?? boundFetch);
    },
    credentialIdentity(request, context) {
      if (!scheme) return Promise.resolve(NO_CREDENTIAL);
      const scope = scopes.get(origins) ?? new Set(origins);
      const env = { fetch: ownFetch ?? boundFetch ?? globalFetch };
      return credentialIdentity(scheme, scope.size === 0 ? new Set([new URL(request.url).origin]) : scope, request, context, env);
    },
    handleAsOverride(request, context, next, fetch) {
      return asOverride(self, request, context, next, fetch);
    },
    async handle(request, context, next) {
      announceCredentialSource(context, self);
      const override = context.options.auth;
      if (override === false) return next(request);
      if (override !== undefined) {
        if (typeof override !== 'object' || override === null || !('scheme' in override) || typeof override.bind !== 'function') {
          throw optionError('The "auth" request option must be false or an auth middleware such as bearer(…), basic(…), apiKey(…) or tokenAuth(…).');
        }
        return asOverride(override, request, context, next, ownFetch ?? boundFetch);
      }
      if (!scheme) return next(request);
      const scope = scopes.get(origins) ?? new Set(origins);
      if (scope.size === 0) {
        throw optionError(
          'auth: no origin to send credentials to. Pass "origins" (or "baseUrl") to the auth factory, or give createClient a baseUrl.',
        );
      }
      const env = { fetch: ownFetch ?? boundFetch ?? globalFetch };
      return authorize({ scheme, scope, env, home: new URL(request.url).origin, request, context, next });
    },
  };
  return self;
}

/** A per-request `auth` at work: its own origins (else the request's), its own fetch (else `fallback`). */
async function asOverride(active: AuthMiddleware, request: Request, context: Context, next: Next, fallback: FetchLike | undefined): Promise<Response> {
  if (!active.scheme) return next(request);
  const origin = new URL(request.url).origin;
  let scope = scopes.get(active.origins) ?? new Set(active.origins);
  if (scope.size === 0) scope = new Set([origin]);
  const env = { fetch: active.fetch ?? fallback ?? globalFetch };
  return authorize({ scheme: active.scheme, scope, env, home: origin, request, context, next });
}
