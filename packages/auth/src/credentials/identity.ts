import { type Context, NO_CREDENTIAL } from '@sluice/core';
import type { AuthEnv, AuthScheme } from '../scheme.js';

/**
 * The identity of the credential `scheme` would attach to `request` now, for dedupe and
 * cache outside the auth: a SHA-256 digest (never the secret), `''` for none (an origin out
 * of scope, a scheme that attaches nothing), `undefined` when it cannot be told. The
 * scheme's own `credentialIdentity` is asked first; without one, the scheme attaches to a
 * scratch copy of the request (a token function is then called once more) and the digest
 * covers what it changed.
 */
export async function credentialIdentity(
  scheme: AuthScheme,
  scope: ReadonlySet<string>,
  request: Request,
  context: Context,
  env: AuthEnv,
): Promise<string | undefined> {
  const url = new URL(request.url);
  if (!scope.has(url.origin)) return NO_CREDENTIAL;
  try {
    if (scheme.credentialIdentity) {
      const own = await scheme.credentialIdentity({ url }, context);
      return typeof own === 'string' ? (own === '' ? NO_CREDENTIAL : sha256(`scheme:${own}`)) : undefined;
    }
    const headers = new Headers(request.headers);
    await scheme.attach({ headers, url }, context, env);
    const changed: string[] = [];
    headers.forEach((value, name) => {
      if (request.headers.get(name) !== value) changed.push(`${name}=${value}`);
    });
    request.headers.forEach((_value, name) => {
      if (!headers.has(name)) changed.push(`-${name}`);
    });
    if (url.href !== new URL(request.url).href) changed.push(`url=${url.href}`);
    return changed.length === 0 ? NO_CREDENTIAL : sha256(changed.join('\n'));
  } catch {
    return undefined;
  }
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
