import { REDACTED } from '@sluice/core';
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
