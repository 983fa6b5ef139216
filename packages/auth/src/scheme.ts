import type { Context, FetchLike } from '@sluice/core';

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
  /**
   * Names the credential `attach` would put on a request to `target.url`, for dedupe and
   * cache outside the auth (two requests share only when it is the same): any stable text,
   * hashed before use; `''` for none, `undefined` when it cannot be told. Without it the
   * auth attaches to a scratch copy of the request and compares.
   */
  credentialIdentity?(target: { url: URL }, context: Context): string | undefined | Promise<string | undefined>;
  /** What the replay after `recover` is, for error texts. Default `'a token refresh'`. */
  readonly recoveredBy?: string | undefined;
}
