/**
 * A terminal fetch with its own TLS settings, Node only (an undici `Agent`): the one helper
 * behind the MUTUAL auth of Sequoia's client SDK (../sequoia/mutual.ts) and the
 * `verify` of Atlan's application SDK (../atlan/verify.ts).
 */
import type { FetchLike } from '@sluice/core';
import { dispatcherFetch } from 'sluice';
import { Agent, fetch as undiciFetch } from 'undici';

/**
 * A fetch bound to its own TLS settings; `close()` closes its connections.
 *
 * @example
 * ```ts
 * const fetch: TlsFetch = tlsFetch({ ca: '-----BEGIN CERTIFICATE-----\n…' });
 * await fetch.close();
 * ```
 */
export interface TlsFetch extends FetchLike {
  /** Closes the underlying undici `Agent` and its connections. */
  close(): Promise<void>;
}

/**
 * TLS settings of {@link tlsFetch}: any of the client certificate, its key, the CAs to
 * trust, and whether to check the server's certificate at all.
 *
 * @example
 * ```ts
 * const pems: TlsPems = { cert: clientCertPem, key: clientKeyPem, ca: serverCertPem };
 * ```
 */
export interface TlsPems {
  cert?: string;
  key?: string;
  /** The CA bundle(s) to trust instead of the default roots; `[]` trusts none. */
  ca?: string | readonly string[];
  /** `false` skips the server certificate checks (local development only). Default `true`. */
  rejectUnauthorized?: boolean;
}

/**
 * A terminal fetch over an undici `Agent({ connect: pems })`. Pass it as `fetch` to
 * `compose`, `createClient`, `connectSequoia` or the Atlan `BaseClient`.
 *
 * @example
 * ```ts
 * import { createClient } from 'sluice';
 * const fetch = tlsFetch({ ca: serverCertPem }); // trust a self-signed server only
 * const client = createClient({ fetch });
 * ```
 */
export function tlsFetch(pems: TlsPems): TlsFetch {
  if (!pems || typeof pems !== 'object') throw new TypeError('tlsFetch: give an object with "cert", "key", "ca" and/or "rejectUnauthorized".');
  for (const name of ['cert', 'key'] as const) {
    if (pems[name] !== undefined && (typeof pems[name] !== 'string' || pems[name] === '')) throw new TypeError(`tlsFetch: "${name}" must be a non-empty PEM string.`);
  }
  const { ca, rejectUnauthorized } = pems;
  const pem = (value: unknown) => typeof value === 'string' && value !== '';
  if (ca !== undefined && !(pem(ca) || (Array.isArray(ca) && ca.every(pem)))) throw new TypeError('tlsFetch: "ca" must be a non-empty PEM string or an array of them.');
  if (rejectUnauthorized !== undefined && typeof rejectUnauthorized !== 'boolean') {
    throw new TypeError(`tlsFetch: "rejectUnauthorized" must be a boolean, got ${typeof rejectUnauthorized}.`);
  }
  const agent = new Agent({
    connect: {
      ...(pems.cert === undefined ? {} : { cert: pems.cert }),
      ...(pems.key === undefined ? {} : { key: pems.key }),
      ...(ca === undefined ? {} : { ca: typeof ca === 'string' ? ca : [...ca] }),
      ...(rejectUnauthorized === undefined ? {} : { rejectUnauthorized }),
    },
  });
  const fetch = dispatcherFetch(agent, undiciFetch);
  return Object.assign(fetch, { close: () => agent.close() });
}
