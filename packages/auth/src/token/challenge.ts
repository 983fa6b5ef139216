/**
 * Whether a 401's `WWW-Authenticate` header says a new token could help: no challenge
 * at all, or a `Bearer` (or `DPoP`) challenge with no error or `error="invalid_token"`.
 * `insufficient_scope`, `invalid_request` and non-token schemes (`Basic`) say it cannot.
 *
 * @example
 * ```ts
 * refreshable('Bearer realm="api", error="invalid_token"'); // true
 * refreshable('Bearer error="insufficient_scope"'); // false
 * ```
 */
export function refreshable(header: string | null): boolean {
  if (header === null || header.trim() === '') return true;
  const challenges = parseChallenges(header);
  return challenges.some(({ scheme, params }) => {
    if (scheme !== 'bearer' && scheme !== 'dpop') return false;
    const error = params.get('error');
    return error === undefined || error === 'invalid_token';
  });
}

/** One challenge of a `WWW-Authenticate` value. */
export interface Challenge {
  scheme: string;
  params: Map<string, string>;
}

/**
 * Splits a `WWW-Authenticate` value into challenges (lower-cased scheme and parameter
 * names, unquoted values; a token68 such as `Negotiate abc==` is skipped). Internal:
 * shared by `refreshable` and `digest`, not re-exported from the package.
 */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  const token = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
  let index = 0;
  let current: Challenge | undefined;
  const skip = (pattern: RegExp) => {
    pattern.lastIndex = index;
    const match = pattern.exec(header);
    if (match) index = pattern.lastIndex;
    return match;
  };
  while (index < header.length) {
    skip(/[\s,]*/y);
    const name = skip(token)?.[0];
    if (name === undefined) break;
    if (skip(/\s*=\s*/y)) {
      const quoted = skip(/"((?:[^"\\]|\\.)*)"/y);
      const value = quoted ? (quoted[1] as string).replace(/\\(.)/g, '$1') : (skip(/[^,\s]*/y)?.[0] ?? '');
      current?.params.set(name.toLowerCase(), value);
    } else {
      current = { scheme: name.toLowerCase(), params: new Map() };
      out.push(current);
      skip(/\s+/y);
      // token68 after the scheme (e.g. `Negotiate abc==`): skip it.
      const rest = /[A-Za-z0-9\-._~+/]+=*(?=\s*(,|$))/y;
      rest.lastIndex = index;
      if (rest.exec(header) && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*=[^=]/.test(header.slice(index))) index = rest.lastIndex;
    }
  }
  return out;
}
