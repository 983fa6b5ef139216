import {
  type Context,
  canReplay,
  cloneForReplay,
  createRedaction,
  discard,
  type FetchLike,
  type Middleware,
  type Next,
  toHttpError,
} from '@sluice/core';
import { BODY_HEADERS, manualRedirectsVisible, REDIRECT_STATUSES, rebuild } from './rebuild.js';
import { type AuthScopeOptions, originsOf } from './scope.js';
import { addSecrets } from './secrets.js';

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
 * What an auth scheme can use besides the request: the terminal fetch, for token calls
 * that must never go back through the pipeline.
 *
 * @example
 * ```ts
 * const env: AuthEnv = { fetch: (request) => fetch(request) };
 * ```
 */
export interface AuthEnv {
  /** The terminal fetch: the auth's own, else the client's, else `globalThis.fetch`. */
  fetch: FetchLike;
}

/**
 * What {@link AuthScheme.recover} decides about a 401: replay once, return the 401 as
 * is, or fail with an `UnauthorizedError` carrying `note`.
 *
 * @example
 * ```ts
 * const verdict: RecoverVerdict = { action: 'fail', note: 'the session cannot be renewed' };
 * ```
 */
export type RecoverVerdict =
  | {
      /** Send the request once more, with fresh credentials. */
      action: 'replay';
    }
  | {
      /** Return the 401 to the caller as it is. */
      action: 'pass';
    }
  | {
      /** Fail with an `UnauthorizedError` whose message carries `note`. */
      action: 'fail';
      /** Why no replay is possible, for the error message. */
      note: string;
    };

/**
 * One way of attaching credentials. `attach` edits the outgoing headers and URL and
 * returns what it attached; `recover`, when present, is asked about a 401 from an origin
 * that got credentials and may ask for one replay.
 *
 * @example
 * ```ts
 * const scheme: AuthScheme = {
 *   attach({ headers }) { headers.set('x-session', 'abc'); return 'abc'; },
 * };
 * const auth = createAuthMiddleware(scheme, { origins: ['https://api.example.com'] });
 * ```
 */
export interface AuthScheme {
  /** Header and query-parameter names whose values are secret; added to the request's redaction. */
  readonly secretNames?: readonly string[] | undefined;
  /**
   * Puts the credentials on the outgoing request (edit `target.headers` or `target.url`) and
   * returns what it attached, which `recover` gets back on a 401. May return a promise.
   */
  attach(target: { headers: Headers; url: URL }, context: Context, env: AuthEnv): unknown;
  /** Decides what a 401 from an origin that got credentials leads to; without it, the 401 is returned as it is. */
  recover?(response: Response, attached: unknown, context: Context, env: AuthEnv): Promise<RecoverVerdict>;
  /** What the replay after `recover` is, for error texts. Default `'a token refresh'`. */
  readonly recoveredBy?: string | undefined;
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
export interface AuthMiddleware extends Middleware {
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

const MAX_REDIRECTS = 20;

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
    async handle(request, context, next) {
      const override = context.options.auth;
      if (override === false) return next(request);
      if (override !== undefined && (typeof override !== 'object' || override === null || !('scheme' in override) || typeof override.bind !== 'function')) {
        throw new TypeError('The "auth" request option must be false or an auth middleware such as bearer(…), basic(…), apiKey(…) or tokenAuth(…).');
      }
      const active = override ?? self;
      if (!active.scheme) return next(request);
      const origin = new URL(request.url).origin;
      let scope = scopes.get(active.origins) ?? new Set(active.origins);
      if (override !== undefined && scope.size === 0) scope = new Set([origin]);
      if (scope.size === 0) {
        throw new TypeError(
          'auth: no origin to send credentials to. Pass "origins" (or "baseUrl") to the auth factory, or give createClient a baseUrl.',
        );
      }
      const fetchImpl = active.fetch ?? ownFetch ?? boundFetch ?? globalFetch;
      return authorize(active.scheme, scope, { fetch: fetchImpl }, origin, request, context, next);
    },
  };
  return self;
}

interface Exchange {
  response: Response;
  attached: unknown;
  credentialed: boolean;
}

async function authorize(
  scheme: AuthScheme,
  scope: ReadonlySet<string>,
  env: AuthEnv,
  home: string,
  request: Request,
  context: Context,
  next: Next,
): Promise<Response> {
  if (!scope.has(home)) return next(request);
  if (scheme.secretNames?.some((name) => !context.redaction.names.has(name.toLowerCase()))) {
    context.redaction = createRedaction([...context.redaction.names, ...scheme.secretNames]);
  }
  const firstCopy = request.body === null || !canReplay(request, context) ? request : request.clone();
  const first = await exchange(scheme, scope, env, home, request, firstCopy, context, next);
  if (first.response.status !== 401 || !first.credentialed || !scheme.recover) return first.response;

  const verdict = await scheme.recover(first.response, first.attached, context, env);
  const recoveredBy = scheme.recoveredBy ?? 'a token refresh';
  if (verdict.action === 'pass') return first.response;
  if (verdict.action === 'fail') throw await toHttpError(first.response, context, { note: verdict.note });
  if (!canReplay(request, context)) {
    throw await toHttpError(first.response, context, {
      note: `not replayed after ${recoveredBy}: its body is a one-shot stream; pass a "bodyFactory" option to make it replayable`,
    });
  }
  discard(first.response);
  const replay = await cloneForReplay(request, context, `replay after ${recoveredBy}`);
  const second = await exchange(scheme, scope, env, home, request, replay, context, next);
  if (second.response.status === 401 && second.credentialed) {
    throw await toHttpError(second.response, context, { note: `still 401 after ${recoveredBy} and one replay` });
  }
  return second.response;
}

/**
 * Sends `copy` with credentials and follows redirects by hand, re-attaching credentials
 * only on the original origin (`home`); cross-origin hops go out with no credentials at all.
 */
async function exchange(
  scheme: AuthScheme,
  scope: ReadonlySet<string>,
  env: AuthEnv,
  home: string,
  original: Request,
  copy: Request,
  context: Context,
  next: Next,
): Promise<Exchange> {
  const manual = original.redirect === 'follow' && manualRedirectsVisible();
  const redirect: RequestRedirect = manual ? 'manual' : original.redirect;
  let source = copy;
  let url = new URL(copy.url);
  let method = copy.method;
  let dropBody = false;
  let credentialed = true;
  let attached: unknown;
  for (let hops = 0; ; hops++) {
    const headers = new Headers(source.headers);
    if (dropBody) for (const name of BODY_HEADERS) headers.delete(name);
    if (credentialed) {
      attached = await scheme.attach({ headers, url }, context, env);
      rememberAttached(scheme, headers, url, context);
    } else {
      for (const name of ['authorization', 'proxy-authorization', 'cookie', ...(scheme.secretNames ?? [])]) headers.delete(name);
      for (const name of scheme.secretNames ?? []) url.searchParams.delete(name);
    }
    const outgoing = await rebuild(source, { url, headers, redirect, method, dropBody });
    const response = await next(outgoing);
    const location = response.headers.get('location');
    if (!manual || !REDIRECT_STATUSES.has(response.status) || location === null) {
      return { response: hops > 0 ? markRedirected(response) : response, attached, credentialed };
    }

    discard(response);
    if (hops + 1 > MAX_REDIRECTS) {
      // The same words as undici's, so that retry knows it as a failure no attempt can fix.
      throw new TypeError(`fetch failed: redirect count exceeded (more than ${MAX_REDIRECTS} redirects for ${context.method} ${context.redaction.url(context.url)})`);
    }
    const target = new URL(location, url);
    const toGet = (response.status === 303 && method !== 'HEAD') || ((response.status === 301 || response.status === 302) && method === 'POST');
    if (toGet) {
      method = 'GET';
      dropBody = true;
    }
    if (dropBody) source = stripBody(original);
    else source = original.body === null ? original : await cloneForReplay(original, context, 'follow a redirect for');
    url = target;
    credentialed = target.origin === home && scope.has(target.origin);
  }
}

/** `response.redirected` is true after Sluice followed a redirect itself, as it is after fetch's own following. */
function markRedirected(response: Response): Response {
  if (!response.redirected) Object.defineProperty(response, 'redirected', { value: true });
  return response;
}

/**
 * Adds the values of the credential headers and secret query parameters present after
 * `attach` to `context.state.secrets`, so a custom scheme's credentials are redacted too.
 */
function rememberAttached(scheme: AuthScheme, headers: Headers, url: URL, context: Context): void {
  for (const name of ['authorization', 'proxy-authorization', ...(scheme.secretNames ?? [])]) {
    addSecrets(context, headers.get(name) ?? undefined, ...url.searchParams.getAll(name));
  }
}

/** A body-less GET carrying `original`'s headers and options, for a redirect that turns the request into a GET. */
function stripBody(original: Request): Request {
  return new Request(original.url, {
    method: 'GET',
    headers: original.headers,
    redirect: original.redirect,
    signal: original.signal,
    credentials: original.credentials,
    cache: original.cache,
    keepalive: original.keepalive,
    referrerPolicy: original.referrerPolicy,
  });
}
