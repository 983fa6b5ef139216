import type { Redaction } from '../types/redaction.js';

export type { Redaction };
/**
 * The text that replaces a secret value.
 *
 * @example
 * ```ts
 * const safe = createRedaction().headers({ Authorization: 'Bearer x' });
 * safe.authorization === REDACTED; // true
 * ```
 */
export const REDACTED = '[REDACTED]';

/** Headers that always hold secrets. */
const ALWAYS_SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];

/**
 * Header and query-parameter names treated as secret unless the user names others.
 *
 * @example
 * ```ts
 * const names = [...DEFAULT_SECRET_NAMES, 'x-session'];
 * ```
 */
export const DEFAULT_SECRET_NAMES: readonly string[] = ['x-api-key', 'api_key', 'apikey', 'token', 'access_token'];


/**
 * Builds a {@link Redaction}. The always-secret headers (`authorization`,
 * `proxy-authorization`, `cookie`, `set-cookie`) are added to `names`.
 *
 * @example
 * ```ts
 * createRedaction().headers({ Authorization: 'Bearer x' }); // { authorization: '[REDACTED]' }
 * ```
 */
export function createRedaction(names: Iterable<string> = DEFAULT_SECRET_NAMES): Redaction {
  const set = new Set<string>(ALWAYS_SECRET_HEADERS);
  for (const name of names) set.add(name.toLowerCase());
  return {
    names: set,
    url(url) {
      let parsed: URL;
      try {
        parsed = new URL(String(url));
      } catch {
        return redactRawQuery(maskRawUserinfo(String(url)), set);
      }
      if (parsed.username || parsed.password) {
        parsed.username = REDACTED;
        parsed.password = '';
      }
      // Rewrites only the secret values, so the other parameters keep their order and encoding.
      if (parsed.search) parsed.search = redactPairs(parsed.search.slice(1), set, ENCODED_REDACTED);
      if (parsed.hash.includes('=')) parsed.hash = redactPairs(parsed.hash.slice(1), set, ENCODED_REDACTED);
      return parsed.toString();
    },
    headers(headers) {
      const out: Record<string, string> = {};
      const entries = headers instanceof Headers || Symbol.iterator in Object(headers)
        ? (headers as Iterable<[string, string]>)
        : Object.entries(headers as Record<string, string>);
      for (const [name, value] of entries) {
        const key = name.toLowerCase();
        out[key] = set.has(key) ? REDACTED : value;
      }
      return out;
    },
    text(text, secrets) {
      let out = text;
      for (const secret of secrets) {
        if (secret.length >= 4) out = out.split(secret).join(REDACTED);
      }
      return out;
    },
  };
}

const ENCODED_REDACTED = /* @__PURE__ */ encodeURIComponent(REDACTED);

/** `a=1&token=x` → `a=1&token=<replacement>` for the secret names; other pairs untouched. */
function redactPairs(query: string, names: ReadonlySet<string>, replacement: string): string {
  return query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals < 0) return pair;
      return names.has(decodeName(pair.slice(0, equals))) ? `${pair.slice(0, equals)}=${replacement}` : pair;
    })
    .join('&');
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/**
 * Masks the userinfo of a URL that does not parse (`//user:pw@host/x`) in the same form a
 * parsed URL serialises to (`//%5BREDACTED%5D@host/x`). Like the URL parser, it takes the
 * last `@` of the authority, so a stray `@` in a password does not leave its tail visible.
 */
function maskRawUserinfo(url: string): string {
  return url.replace(/^(\s*(?:[a-z][\d+.a-z-]*:)?\/\/)[^/?#]*@/i, (_whole, head: string) => `${head}${ENCODED_REDACTED}@`);
}

function redactRawQuery(url: string, names: ReadonlySet<string>): string {
  return url.replace(/([?&])([^=&#]+)=([^&#]*)/g, (whole, sep: string, key: string) =>
    names.has(decodeName(key)) ? `${sep}${key}=${REDACTED}` : whole,
  );
}
