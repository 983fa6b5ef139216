/**
 * The Atlan seed's `verify` (TLS certificate checks), Node-side: a terminal fetch bound to
 * an undici `Agent`. Browsers verify certificates themselves and offer no switch.
 */
import type { FetchLike } from '@sluice/core';
import { dispatcherFetch } from 'sluice';
import { Agent, fetch as undiciFetch } from 'undici';

/**
 * What `verify` can be: `true` (the default checks), `false` (no certificate checks; for
 * local development only), or a CA bundle (PEM) to trust, like httpx's `verify="ca.pem"`.
 *
 * @example
 * ```ts
 * const verify: AtlanVerify = { ca: '-----BEGIN CERTIFICATE-----…' };
 * ```
 */
export type AtlanVerify = boolean | { ca: string | readonly string[] };

/**
 * A terminal fetch that applies `verify`, and `close()` to release its connections.
 * `true` gives `undefined` (use the default fetch).
 *
 * @example
 * ```ts
 * const tls = verifyFetch(false);
 * const client = new BaseClient({ fetch: tls?.fetch });
 * // …
 * await tls?.close();
 * ```
 */
export function verifyFetch(verify: AtlanVerify): { fetch: FetchLike; close(): Promise<void> } | undefined {
  if (verify === true) return undefined;
  let connect: { rejectUnauthorized: false } | { ca: string | string[] };
  if (verify === false) connect = { rejectUnauthorized: false };
  else if (verify !== null && typeof verify === 'object' && (typeof verify.ca === 'string' || Array.isArray(verify.ca))) connect = { ca: typeof verify.ca === 'string' ? verify.ca : [...verify.ca] };
  else throw new TypeError(`verifyFetch(verify): "verify" must be true, false or { ca: PEM string(s) }, got ${verify === null ? 'null' : typeof verify}.`);
  const agent = new Agent({ connect });
  return { fetch: dispatcherFetch(agent, undiciFetch), close: () => agent.close() };
}
