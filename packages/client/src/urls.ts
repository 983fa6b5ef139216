import { type Redaction, REDACTED } from '@sluice/core';
import type { Input } from 'ky';

const ABSOLUTE = /^[a-z][\d+.a-z-]*:/i;

/** Userinfo is masked in the form a parsed URL serialises `[REDACTED]` to. */
const MASK = encodeURIComponent(REDACTED);

/**
 * Resolves a client input against the base URL: a relative path joins the base path
 * (`'users/1'` and `'/users/1'` → `<base>/users/1`); a query- or fragment-only input
 * (`'?page=2'`) goes onto the base URL itself without adding a `/`; `''` is the base URL.
 * Absolute URLs, `URL` and `Request` objects are left alone.
 *
 * @example
 * ```ts
 * resolveInput('https://api.example.com/v1', '?page=2'); // 'https://api.example.com/v1?page=2'
 * ```
 */
export function resolveInput(baseUrl: string | undefined, input: Input): Input {
  if (typeof input !== 'string' || baseUrl === undefined || ABSOLUTE.test(input.trimStart())) return input;
  if (input === '' || input.startsWith('?') || input.startsWith('#')) return `${baseUrl}${input}`;
  return `${baseUrl.replace(/\/+$/, '')}/${input.replace(/^\/+/, '')}`;
}

/**
 * Rewrites an error thrown while building a request (e.g. `new Request` refusing a URL
 * with credentials, which quotes the URL) so that its message and stack hold no userinfo
 * (user name or password) or secret query value. Other errors are returned as they are.
 *
 * @example
 * ```ts
 * try { kyInstance.get(url); } catch (error) { throw redactInputError(error, url, redaction); }
 * ```
 */
export function redactInputError(error: unknown, input: Input, redaction: Redaction): unknown {
  if (!(error instanceof Error)) return error;
  const raw = input instanceof Request ? input.url : String(input);
  const replacements = new Map<string, string>();
  const safe = redaction.url(raw);
  if (safe !== raw) replacements.set(raw, safe);
  for (const secret of userinfoValues(raw)) replacements.set(secret, REDACTED);
  let { message } = error;
  let stack = error.stack;
  for (const [secret, replacement] of replacements) {
    message = message.split(secret).join(replacement);
    stack = stack?.split(secret).join(replacement);
  }
  if (message === error.message && stack === error.stack) return error;
  const redacted = error instanceof TypeError ? new TypeError(message) : new Error(message);
  redacted.name = error.name;
  redacted.stack = stack;
  return redacted;
}

/**
 * The userinfo values of a URL (user name and password), each as written and decoded;
 * values under 4 characters are left out (empty when none or unparsable).
 */
function userinfoValues(raw: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return [];
  }
  const out = new Set<string>();
  for (const value of [parsed.username, parsed.password]) {
    if (value.length < 4) continue;
    out.add(value);
    try {
      out.add(decodeURIComponent(value));
    } catch {
      // A malformed escape: the written form is enough.
    }
  }
  return [...out];
}

/**
 * Masks the userinfo of a URL-like string for an error message, in the form a parsed URL
 * serialises to: `https://u:pw@host` → `https://%5BREDACTED%5D@host`.
 *
 * @example
 * ```ts
 * maskUserinfo('https://u:pw@host/v1'); // 'https://%5BREDACTED%5D@host/v1'
 * ```
 */
export function maskUserinfo(text: string): string {
  return text.replace(/^([^/?#]*\/\/)?[^/?#]*@/, (_whole, scheme: string | undefined) => `${scheme ?? ''}${MASK}@`);
}
