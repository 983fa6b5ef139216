import type { Redaction } from '../types/redaction.js';
import { createRedaction, REDACTED } from './redaction.js';

/**
 * The secret values in a URL's userinfo (user name and password), each as written and
 * percent-decoded; values under 4 characters are left out. Empty for an unparsable URL.
 *
 * @example
 * ```ts
 * userinfoSecrets('https://sk_live_abc%2B1:@api.example.com'); // ['sk_live_abc%2B1', 'sk_live_abc+1']
 * ```
 */
export function userinfoSecrets(url: string | URL): string[] {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
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
 * An error thrown while building a request for `url` (`new Request` quotes the URL,
 * credentials included) with the URL's secrets out of its message and stack: the URL
 * becomes its redacted form and the userinfo values become `[REDACTED]`. The same error
 * is returned when it holds none of them; otherwise a copy of the same kind.
 *
 * @example
 * ```ts
 * try { new Request('https://u:hunter22@api.example.com'); }
 * catch (error) { throw redactUrlInError(error, 'https://u:hunter22@api.example.com'); }
 * ```
 */
export function redactUrlInError(error: unknown, url: string, redaction: Redaction = createRedaction()): unknown {
  if (!(error instanceof Error)) return error;
  const replacements = new Map<string, string>();
  const safe = redaction.url(url);
  if (safe !== url) replacements.set(url, safe);
  for (const secret of userinfoSecrets(url)) replacements.set(secret, REDACTED);
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
