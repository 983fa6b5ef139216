/**
 * A small cookie jar for Node-side clients (the httpx cookie handling of Atlan's application SDK).
 * Browsers manage cookies themselves (`credentials: 'include'`); do not use this there.
 */
import type { Middleware } from '@sluice/core';

/**
 * Options of {@link cookieJar}.
 *
 * @example
 * ```ts
 * const options: CookieJarOptions = { origins: ['https://api.example.com'], now: () => Date.now() };
 * ```
 */
export interface CookieJarOptions {
  /** Only responses from these origins are stored (and only they get cookies back). Default: every origin, each keeping its own cookies. */
  origins?: readonly (string | URL)[] | undefined;
  /** The clock for `Expires` / `Max-Age` (epoch ms). Default `Date.now()`. */
  now?: (() => number) | undefined;
}

/**
 * The middleware {@link cookieJar} returns, with a look at what it holds.
 *
 * @example
 * ```ts
 * const jar = cookieJar();
 * console.log(jar.cookies('https://api.example.com/v1/')); // [['session', 'abc']]
 * ```
 */
export interface CookieJarMiddleware extends Middleware {
  readonly name: 'cookieJar';
  /** The `[name, value]` pairs that a request to `url` would carry. */
  cookies(url: string | URL): Array<[string, string]>;
  /** Forgets every cookie. */
  clear(): void;
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  secure: boolean;
  expiresAt: number | undefined;
}

/**
 * Stores `Set-Cookie` from responses and sends the cookies back in a `Cookie` header.
 * Cookies are host-only: each origin gets back only what it set itself (a `Domain`
 * attribute is ignored), so cookies never leak to another host. `Path`, `Secure`,
 * `Expires` and `Max-Age` are honoured; a `Cookie` header already on the request wins for
 * the names it carries. Place it innermost (createClient's `middleware` option), so
 * every attempt and auth replay sees the latest cookies. Node-side only: browsers keep
 * cookies themselves. Redirects followed by fetch itself do not pass through it.
 *
 * @example
 * ```ts
 * import { createClient } from 'sluice';
 * const client = createClient({ baseUrl: 'https://api.example.com', middleware: [cookieJar({ origins: ['https://api.example.com'] })] });
 * ```
 */
export function cookieJar(options: CookieJarOptions = {}): CookieJarMiddleware {
  if (options === null || typeof options !== 'object') throw new TypeError('cookieJar(options): options must be an object.');
  if (options.origins !== undefined && !Array.isArray(options.origins)) {
    throw new TypeError(`cookieJar: "origins" must be an array of URLs, got ${typeof options.origins}.`);
  }
  if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError(`cookieJar: "now" must be a function, got ${typeof options.now}.`);
  const allowed = options.origins?.map((origin, index) => {
    try {
      return new URL(String(origin)).origin;
    } catch {
      throw new TypeError(`cookieJar: origins[${index}] is not an absolute URL: ${JSON.stringify(String(origin))}.`);
    }
  });
  const now = options.now ?? (() => Date.now());
  const jars = new Map<string, Map<string, StoredCookie>>();

  const inScope = (url: URL) => (url.protocol === 'http:' || url.protocol === 'https:') && (allowed === undefined || allowed.includes(url.origin));

  const matching = (url: URL): Array<[string, string]> => {
    const jar = jars.get(url.origin);
    if (!jar || !inScope(url)) return [];
    const time = now();
    const out: StoredCookie[] = [];
    for (const [key, cookie] of jar) {
      if (cookie.expiresAt !== undefined && cookie.expiresAt <= time) jar.delete(key);
      else if ((!cookie.secure || url.protocol === 'https:') && pathMatches(url.pathname, cookie.path)) out.push(cookie);
    }
    out.sort((a, b) => b.path.length - a.path.length);
    return out.map((c) => [c.name, c.value]);
  };

  const store = (url: URL, header: string) => {
    const cookie = parseSetCookie(header, url, now());
    if (!cookie) return;
    if (cookie.secure && url.protocol !== 'https:') return;
    let jar = jars.get(url.origin);
    if (!jar) {
      jar = new Map();
      jars.set(url.origin, jar);
    }
    const key = `${cookie.name};${cookie.path}`;
    if (cookie.expiresAt !== undefined && cookie.expiresAt <= now()) jar.delete(key);
    else jar.set(key, cookie);
  };

  return {
    name: 'cookieJar',
    cookies: (url) => matching(new URL(String(url))),
    clear: () => jars.clear(),
    async handle(request, _context, next) {
      const url = new URL(request.url);
      let outgoing = request;
      const stored = matching(url);
      if (stored.length > 0) {
        const ownNames = new Set((request.headers.get('cookie') ?? '').split(';').map((part) => part.split('=')[0]?.trim()));
        const extra = stored.filter(([name]) => !ownNames.has(name)).map(([name, value]) => `${name}=${value}`);
        if (extra.length > 0) {
          const headers = new Headers(request.headers);
          appendCookies(headers, extra);
          outgoing = new Request(request, { headers });
        }
      }
      const response = await next(outgoing);
      if (inScope(url)) for (const header of response.headers.getSetCookie()) store(url, header);
      return response;
    },
  };
}

/**
 * Appends `name=value` pairs to the `Cookie` header of `headers` (after the cookies it
 * already holds, joined by `; `); no pairs leave it as is.
 *
 * @example
 * ```ts
 * const headers = new Headers({ cookie: 'theme=dark' });
 * appendCookies(headers, ['session=abc']); // cookie: theme=dark; session=abc
 * ```
 */
export function appendCookies(headers: Headers, pairs: readonly string[]): void {
  if (pairs.length === 0) return;
  const own = headers.get('cookie');
  headers.set('cookie', [own, ...pairs].filter((part) => part !== null && part !== '').join('; '));
}

function parseSetCookie(header: string, url: URL, time: number): StoredCookie | undefined {
  const [pair = '', ...attributes] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return undefined;
  const cookie: StoredCookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), path: defaultPath(url), secure: false, expiresAt: undefined };
  let maxAge: number | undefined;
  for (const attribute of attributes) {
    const [rawName = '', ...rest] = attribute.split('=');
    const name = rawName.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (name === 'path' && value.startsWith('/')) cookie.path = value;
    else if (name === 'secure') cookie.secure = true;
    else if (name === 'max-age' && /^-?\d+$/.test(value)) maxAge = Number(value);
    else if (name === 'expires') {
      const at = Date.parse(value);
      if (!Number.isNaN(at)) cookie.expiresAt = at;
    }
  }
  if (maxAge !== undefined) cookie.expiresAt = time + maxAge * 1000;
  return cookie.name === '' ? undefined : cookie;
}

/** RFC 6265 §5.1.4: the directory of the request path. */
function defaultPath(url: URL): string {
  const path = url.pathname;
  if (!path.startsWith('/') || path.lastIndexOf('/') === 0) return '/';
  return path.slice(0, path.lastIndexOf('/'));
}

/** RFC 6265 §5.1.4 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}
