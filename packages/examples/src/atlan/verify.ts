/**
 * The `verify` of Atlan's application SDK (TLS certificate checks), Node-side: a terminal fetch with its
 * own TLS settings (../tls-fetch.ts). Browsers verify certificates themselves and offer no switch.
 */
import type { FetchLike } from '@sluice/core';
import { tlsFetch } from '../tls-fetch.js';

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
 * Throws a `TypeError` naming `where` unless `verify` is `true`, `false` or
 * `{ ca: PEM string(s) }`; the `BaseClient` constructor calls it, so bad input fails at creation.
 *
 * @example
 * ```ts
 * checkVerify({ ca: caPem }, 'BaseClient'); // passes
 * checkVerify('yes', 'BaseClient'); // TypeError: BaseClient: "verify" must be true, false or { ca: PEM string(s) }, got string.
 * ```
 */
export function checkVerify(verify: unknown, where: string): asserts verify is AtlanVerify {
  if (typeof verify === 'boolean') return;
  const pem = (value: unknown) => typeof value === 'string' && value !== '';
  const ca = verify !== null && typeof verify === 'object' ? (verify as { ca?: unknown }).ca : undefined;
  if (!(pem(ca) || (Array.isArray(ca) && ca.every(pem)))) {
    throw new TypeError(`${where}: "verify" must be true, false or { ca: PEM string(s) }, got ${verify === null ? 'null' : typeof verify}.`);
  }
}

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
  checkVerify(verify, 'verifyFetch(verify)');
  if (verify === true) return undefined;
  const fetch = tlsFetch(verify === false ? { rejectUnauthorized: false } : { ca: verify.ca });
  return { fetch, close: () => fetch.close() };
}
