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
 * Made once per base URL, with its trailing slashes cut once.
 *
 * @example
 * ```ts
 * const resolve = resolverFor('https://api.example.com/v1/');
 * resolve('/users/1'); // 'https://api.example.com/v1/users/1'
 * resolve('?page=2'); // 'https://api.example.com/v1/?page=2'
 * ```
 */
export function resolverFor(baseUrl: string | undefined): (input: Input) => Input {
  if (baseUrl === undefined) return (input) => input;
  const joined = baseUrl.replace(/\/+$/, '');
  return (input) => {
    if (typeof input !== 'string') return input;
    if (input === '' || input.startsWith('?') || input.startsWith('#')) return `${baseUrl}${input}`;
    if (ABSOLUTE.test(input.trimStart())) return input;
    return `${joined}/${input.charCodeAt(0) === 47 ? input.replace(/^\/+/, '') : input}`;
  };
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
