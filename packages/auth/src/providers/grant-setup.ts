import { maskUserinfo } from '../credentials/scope.js';
import { type ClientAuthOptions, clientAuthenticator, resolveClientAuth } from './client-auth.js';

/** What both OAuth2 grants read from their options. */
export interface GrantOptions extends ClientAuthOptions {
  tokenUrl: string | URL;
  scope?: string | readonly string[] | undefined;
  clock?: (() => number) | undefined;
}

/** The checked, shared part of a grant: token URL, client authentication, scope and clock. */
export interface GrantSetup {
  tokenUrl: string;
  /** The scope, space-joined. */
  scope: string | undefined;
  clock: () => number;
  authenticate: ReturnType<typeof clientAuthenticator>;
}

/**
 * Checks the options every grant shares (an object, an http(s) `tokenUrl`, the client
 * authentication) at creation, with `TypeError`s naming `where`, and builds what the
 * token calls need.
 */
export function grantSetup(options: GrantOptions, where: string): GrantSetup {
  if (!options || typeof options !== 'object') throw new TypeError(`${where}: options must be an object.`);
  const tokenUrl = checkTokenUrl(options.tokenUrl, where);
  const method = resolveClientAuth(options, where);
  const scope = checkScope(options.scope, where);
  const clock = options.clock ?? (() => Date.now());
  return { tokenUrl, scope, clock, authenticate: clientAuthenticator(options, method, tokenUrl, clock) };
}

/**
 * Checks a token URL at creation: an absolute http(s) URL without userinfo (`user:password@`
 * would be refused by fetch on every call, the password quoted in the error; it is not
 * echoed here either).
 */
function checkTokenUrl(value: string | URL | undefined, where: string): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new TypeError(`${where}: "tokenUrl" must be an absolute URL, got ${JSON.stringify(value === undefined ? 'undefined' : maskUserinfo(String(value)))}.`);
  }
  if (url.username || url.password) {
    throw new TypeError(
      `${where}: "tokenUrl" must not carry credentials (user:password@); give the client's with "clientId" and "clientSecret" (sent as client_secret_basic). The value is not shown.`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`${where}: "tokenUrl" must be http(s), got ${url.protocol}`);
  return url.href;
}

/** The scope space-joined: a string, or an array of strings. */
function checkScope(value: unknown, where: string): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(' ');
  const got = Array.isArray(value) ? 'an array with an item that is not a string' : value === null ? 'null' : typeof value === 'object' ? 'an object' : typeof value === 'function' ? 'a function' : String(value);
  throw new TypeError(`${where}: "scope" must be a string or an array of strings (space-joined), got ${got}.`);
}
