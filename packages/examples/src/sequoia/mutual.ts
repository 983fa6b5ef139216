/**
 * The MUTUAL auth type of Sequoia's client SDK (two-way TLS), Node only: reads the PEM files and
 * returns a terminal fetch (../tls-fetch.ts) that presents the client certificate and
 * trusts the server certificate. `connectSequoia` loads this module with a
 * dynamic `import()` only for `auth: { type: 'MUTUAL' }` without a `fetch`, so the
 * browser-safe ./client.ts never imports Node modules statically.
 */
import { readFile } from 'node:fs/promises';
import { type TlsFetch, tlsFetch } from '../tls-fetch.js';

export { type TlsFetch, type TlsPems, tlsFetch } from '../tls-fetch.js';

/**
 * The SDK's `client_cert`, `client_key` and `server_cert`: paths of PEM files.
 *
 * @example
 * ```ts
 * const paths: MutualTlsPaths = { clientCert: '/certs/client_cert.pem', clientKey: '/certs/client_key.pem', serverCert: '/certs/server_cert.pem' };
 * ```
 */
export interface MutualTlsPaths {
  /** The client certificate (PEM) presented to the server. */
  clientCert: string;
  /** The client's private key (PEM, unencrypted). */
  clientKey: string;
  /** The server certificate or CA (PEM) to trust, e.g. a self-signed one. */
  serverCert: string;
}

/**
 * Reads the three PEM files and returns a {@link TlsFetch} that presents the client
 * certificate and trusts `serverCert`. Errors name the option and the path, never the
 * file contents.
 *
 * @example
 * ```ts
 * const fetch = await mutualTlsFetch({ clientCert: '/certs/client_cert.pem', clientKey: '/certs/client_key.pem', serverCert: '/certs/server_cert.pem' });
 * try {
 *   const client = await connectSequoia({ registryUrl: 'https://registry.example.com/services/demo', auth: { type: 'NO_AUTH' }, fetch });
 * } finally {
 *   await fetch.close();
 * }
 * ```
 */
export async function mutualTlsFetch(paths: MutualTlsPaths): Promise<TlsFetch> {
  if (!paths || typeof paths !== 'object') throw new TypeError('mutualTlsFetch: give { clientCert, clientKey, serverCert } (paths of PEM files).');
  const [cert, key, ca] = await Promise.all([
    readPem(paths, 'clientCert', /-----BEGIN CERTIFICATE-----/),
    readPem(paths, 'clientKey', /-----BEGIN [A-Z ]*PRIVATE KEY-----/),
    readPem(paths, 'serverCert', /-----BEGIN CERTIFICATE-----/),
  ]);
  return tlsFetch({ cert, key, ca });
}

async function readPem(paths: MutualTlsPaths, name: keyof MutualTlsPaths, expected: RegExp): Promise<string> {
  const path = paths[name];
  if (typeof path !== 'string' || path === '') throw new TypeError(`mutualTlsFetch: "${name}" must be the path of a PEM file, got ${JSON.stringify(path)}.`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new TypeError(`mutualTlsFetch: cannot read "${name}" at ${path}${typeof code === 'string' ? ` (${code})` : ''}.`);
  }
  if (!expected.test(text)) {
    throw new TypeError(`mutualTlsFetch: "${name}" at ${path} is not a PEM ${name === 'clientKey' ? 'private key' : 'certificate'}.`);
  }
  return text;
}
