import type { FetchLike } from '@sluice/core';
import { AuthError } from '@sluice/core';
import { decodeJwt } from 'jose';

/**
 * An access token and what is known about it.
 *
 * @example
 * ```ts
 * const token: Token = { accessToken: 'eyJ…', expiresAt: Date.now() + 3_600_000, tokenType: 'Bearer' };
 * ```
 */
export interface Token {
  /** The value sent in `Authorization: <tokenType> <accessToken>`. */
  accessToken: string;
  /** Epoch milliseconds when the token stops working. Filled from a JWT's `exp` when absent. */
  expiresAt?: number | undefined;
  /**
   * Epoch milliseconds when the token was obtained. `tokenAuth` fills it when absent; with
   * `expiresAt` it gives the token's lifetime, which bounds the refresh skew (see {@link isExpiring}).
   */
  issuedAt?: number | undefined;
  /** A refresh token that came with it, if any. */
  refreshToken?: string | undefined;
  /** The scheme for the `Authorization` header. Default `Bearer`. */
  tokenType?: string | undefined;
}

/**
 * What a provider gets when the auth middleware asks it for a token: the terminal fetch
 * (never the pipeline) and a signal that carries the token call's own timeout.
 *
 * @example
 * ```ts
 * const provider: TokenProvider = {
 *   async getToken({ fetch, signal }) {
 *     const response = await fetch(new Request('https://auth.example.com/token', { method: 'POST', signal }));
 *     return { accessToken: (await response.json()).access_token };
 *   },
 * };
 * ```
 */
export interface TokenRequestContext {
  /** The terminal fetch: the one injected into the client, else `globalThis.fetch`. */
  fetch: FetchLike;
  /** Aborts when the token call's own timeout elapses. */
  signal: AbortSignal;
}

/**
 * A source of access tokens. `getToken` gives the first token; `refresh` gives a new one
 * once the current one expired or was rejected (it receives that token, with its
 * `refreshToken`). Without `refresh`, `getToken` is asked again; a provider that returns
 * the same rejected token again (like {@link staticToken}) makes the 401 final.
 *
 * @example
 * ```ts
 * let saved = 'initial-token';
 * const provider: TokenProvider = {
 *   getToken: () => ({ accessToken: saved }),
 *   async refresh() { saved = await login(); return { accessToken: saved }; },
 * };
 * ```
 */
export interface TokenProvider {
  /** Gives a token when none is stored yet. A thrown error fails the waiting requests as an `AuthError` (a Sluice error passes as it is). */
  getToken(context: TokenRequestContext): Token | Promise<Token>;
  /**
   * Gives a new token once `current` expired or was rejected with a 401 (`current` carries its
   * `refreshToken`). Optional: without it, `getToken` is asked again.
   */
  refresh?(current: Token | undefined, context: TokenRequestContext): Token | Promise<Token>;
  /**
   * The token store key: tokens under the same key are shared. OAuth2 providers build it
   * from the token URL, client id and scope. Without one, each `tokenAuth` keeps its own.
   */
  readonly key?: string | undefined;
}

/**
 * Checks a provider's token and fills `expiresAt` from a JWT's `exp` claim when absent.
 * An opaque (non-JWT) token is accepted as is; one that cannot go in a header (a CR, LF
 * or NUL, a character above U+00FF, a `tokenType` that is not an auth scheme) is an
 * `AuthError` that does not quote it.
 *
 * @example
 * ```ts
 * normalizeToken({ accessToken: jwt }).expiresAt; // exp * 1000
 * normalizeToken({ accessToken: 'opaque' }).expiresAt; // undefined
 * ```
 */
export function normalizeToken(token: Token): Token {
  if (!token || typeof token.accessToken !== 'string' || token.accessToken === '') {
    throw new AuthError('The token provider returned no accessToken (expected { accessToken: string, … }).');
  }
  // It goes into the Authorization header: what would split it or not fit is refused here,
  // as an AuthError that never quotes it, rather than by Headers.set on every request.
  if (/[\r\n\0\u0100-\uffff]/.test(token.accessToken)) {
    throw new AuthError('The token provider returned an accessToken that cannot go in a header (a CR, LF or NUL, or a character above U+00FF); refused (the value is not shown).');
  }
  if (token.tokenType !== undefined && token.tokenType !== '' && (typeof token.tokenType !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(token.tokenType))) {
    throw new AuthError('The token provider returned a tokenType that is not an HTTP auth scheme (letters, digits and !#$%&\'*+-.^_`|~ only); refused (the value is not shown).');
  }
  if (token.expiresAt !== undefined && !Number.isFinite(token.expiresAt)) {
    throw new AuthError(`The token provider returned an invalid expiresAt (${String(token.expiresAt)}); expected epoch milliseconds.`);
  }
  if (token.expiresAt !== undefined) return token;
  const exp = jwtExpiry(token.accessToken);
  return exp === undefined ? token : { ...token, expiresAt: exp };
}

/** Epoch ms of a JWT's `exp`, or `undefined` for an opaque token or a JWT without `exp`. */
function jwtExpiry(accessToken: string): number | undefined {
  if (accessToken.split('.').length !== 3) return undefined;
  try {
    const { exp } = decodeJwt(accessToken);
    // exp * 1000 can overflow to ±Infinity for an absurd exp: such a token has no usable expiry.
    const ms = typeof exp === 'number' ? exp * 1000 : Number.NaN;
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

/** The share of a token's lifetime that the refresh skew may take at most. */
const MAX_SKEW_SHARE = 0.5;

/**
 * Whether `token` is due for a refresh: `now >= expiresAt - skew`. The skew is `skewMs`,
 * shrunk for a short-lived token to half its lifetime (`expiresAt - issuedAt`, when
 * `issuedAt` is known): a 5 s token is used for its first 2.5 s instead of being
 * refreshed on every request under the 30 s default, and a token that lives at least
 * twice `skewMs` keeps the full skew. A token with no known expiry never is.
 *
 * @example
 * ```ts
 * isExpiring({ accessToken: 'x', expiresAt: Date.now() + 10_000 }, 30_000); // true
 * isExpiring({ accessToken: 'x', issuedAt: Date.now(), expiresAt: Date.now() + 5_000 }, 30_000); // false
 * ```
 */
export function isExpiring(token: Token, skewMs: number, now: number = Date.now()): boolean {
  if (token.expiresAt === undefined) return false;
  return now >= token.expiresAt - effectiveSkew(token, skewMs);
}

/** `skewMs`, at most half the token's lifetime when that is known. */
function effectiveSkew(token: Token, skewMs: number): number {
  const { issuedAt, expiresAt } = token;
  if (issuedAt === undefined || expiresAt === undefined || !Number.isFinite(issuedAt) || issuedAt >= expiresAt) return skewMs;
  return Math.min(skewMs, (expiresAt - issuedAt) * MAX_SKEW_SHARE);
}

/**
 * The `Authorization` header value for a token (`bearer` is written `Bearer`).
 *
 * @example
 * ```ts
 * authorizationValue({ accessToken: 'abc', tokenType: 'bearer' }); // 'Bearer abc'
 * ```
 */
export function authorizationValue(token: Token): string {
  const type = !token.tokenType || token.tokenType.toLowerCase() === 'bearer' ? 'Bearer' : token.tokenType;
  return `${type} ${token.accessToken}`;
}
