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
  const challenges = splitChallenges(header);
  return challenges.some(({ scheme, params }) => {
    if (scheme !== 'bearer' && scheme !== 'dpop') return false;
    const error = params.get('error');
    return error === undefined || error === 'invalid_token';
  });
}

interface Challenge {
  scheme: string;
  params: Map<string, string>;
}

/** Splits `WWW-Authenticate` into challenges with their (lower-cased) auth-params. */
function splitChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  const tokenPattern = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*))?\s*(,|$)/y;
  let current: Challenge | undefined;
  let index = 0;
  while (index < header.length) {
    tokenPattern.lastIndex = index;
    const schemeStart = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s+(?=[^\s=,]+\s*=)/y;
    schemeStart.lastIndex = index;
    const withParams = schemeStart.exec(header);
    if (withParams) {
      current = { scheme: (withParams[1] as string).toLowerCase(), params: new Map() };
      challenges.push(current);
      index = schemeStart.lastIndex;
      continue;
    }
    const match = tokenPattern.exec(header);
    if (!match || match[0] === '') break;
    index = tokenPattern.lastIndex;
    const name = (match[1] as string).toLowerCase();
    const rawValue = match[2];
    if (rawValue === undefined) {
      current = { scheme: name, params: new Map() };
      challenges.push(current);
    } else if (current) {
      const value = rawValue.startsWith('"') ? rawValue.slice(1, -1).replace(/\\(.)/g, '$1') : rawValue;
      current.params.set(name, value);
    }
  }
  return challenges;
}
