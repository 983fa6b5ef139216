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
  const scope = typeof options.scope === 'string' || options.scope === undefined ? options.scope : options.scope.join(' ');
  const clock = options.clock ?? (() => Date.now());
  return { tokenUrl, scope, clock, authenticate: clientAuthenticator(options, method, tokenUrl, clock) };
}

/** Checks a token URL at creation: an absolute http(s) URL. */
function checkTokenUrl(value: string | URL | undefined, where: string): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new TypeError(`${where}: "tokenUrl" must be an absolute URL, got ${JSON.stringify(value === undefined ? 'undefined' : String(value))}.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`${where}: "tokenUrl" must be http(s), got ${url.protocol}`);
  return url.href;
}
