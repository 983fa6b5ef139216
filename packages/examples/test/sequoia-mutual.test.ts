import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { NetworkError } from '@sluice/core';
import { type Listening, listen } from '@sluice/testing/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSequoia } from '../src/sequoia/client.js';
import { mutualTlsFetch, tlsFetch } from '../src/sequoia/mutual.js';

// Certificates are generated per run in a temp dir and deleted afterwards: no key is committed.
let dir = '';
let server: Listening | undefined;
let origin = '';
let registryUrl = '';
const seen: Array<{ cn: string | undefined; accept: string | undefined; authorization: string | undefined }> = [];
const file = (name: string) => join(dir, name);
const pem = (name: string) => readFileSync(file(name), 'utf8');
const paths = () => ({ clientCert: file('client.crt'), clientKey: file('client.key'), serverCert: file('ca.crt') });

function openssl(...args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function issue(name: string, cn: string, ca: string, extfile?: string) {
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', ...(extfile ? ['-extfile', extfile] : []));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-sequoia-mutual-'));
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const ca of ['ca', 'rogue']) {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '1', '-subj', `/CN=Sluice ${ca} CA`);
  }
  issue('server', '127.0.0.1', 'ca', 'server.ext');
  issue('client', 'sequoia-client', 'ca');
  issue('intruder', 'intruder', 'rogue'); // signed by a CA the server does not trust
  const https = createServer({ key: pem('server.key'), cert: pem('server.crt'), ca: pem('ca.crt'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
    seen.push({ cn: typeof cn === 'string' ? cn : undefined, accept: req.headers.accept, authorization: req.headers.authorization });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/vnd.piksel+json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/registry/services/demo') return json(200, { services: [{ name: 'metadata', location: `${origin}/metadata` }] });
    if (url.pathname === '/metadata/data/contents/demo%3Ac1' && url.searchParams.get('owner') === 'demo') {
      return json(200, { meta: {}, contents: [{ ref: 'demo:c1', name: 'Content 1' }] });
    }
    return json(404, { statusCode: 404, message: 'Not Found' });
  });
  server = await listen(https);
  origin = server.url;
  registryUrl = `${origin}/registry/services/demo`;
}, 30_000);

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Everything an error exposes: message, toString, JSON and its causes. */
function exposed(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    parts.push(String(current), (current as Error).message ?? '', JSON.stringify(current) ?? '');
    current = (current as Error).cause;
  }
  return parts.join('\n');
}

/** The base64 body of a PEM key: the secret that must never show. */
const keyBody = (name: string) => pem(name).split('\n').filter((line) => line && !line.startsWith('-----')).slice(0, 2);

describe('Sequoia MUTUAL auth (two-way TLS)', () => {
  it('connects with the three PEM paths: registry discovery and a read carry the client certificate', async () => {
    seen.length = 0;
    const client = await connectSequoia({ registryUrl, auth: { type: 'MUTUAL', ...paths() }, resources: { metadata: ['contents'] } });
    try {
      expect(client.services.get('metadata')).toBe(`${origin}/metadata`);
      const page = await client.metadata.contents.read('demo', 'demo:c1');
      expect(page.resources).toEqual([{ ref: 'demo:c1', name: 'Content 1' }]);
      expect(seen).toEqual([
        { cn: 'sequoia-client', accept: 'application/vnd.piksel+json', authorization: undefined },
        { cn: 'sequoia-client', accept: 'application/vnd.piksel+json', authorization: undefined },
      ]);
    } finally {
      await client.close();
    }
  });

  it('uses a fetch from mutualTlsFetch passed in (the browser-safe path), which stays the caller\'s to close', async () => {
    const fetch = await mutualTlsFetch(paths());
    try {
      const client = await connectSequoia({ registryUrl, auth: { type: 'NO_AUTH' }, fetch, resources: { metadata: ['contents'] } });
      await client.close(); // a no-op: the fetch was passed in
      const page = await client.metadata.contents.read('demo', 'demo:c1');
      expect(page.resources).toHaveLength(1);
    } finally {
      await fetch.close();
    }
  });

  it('without a client certificate the handshake fails: a NetworkError', async () => {
    const fetch = tlsFetch({ ca: pem('ca.crt') });
    try {
      const error = await connectSequoia({ registryUrl, auth: { type: 'NO_AUTH' }, fetch }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NetworkError);
      expect((error as NetworkError).message).toMatch(/^GET https:\/\/127\.0\.0\.1:\d+\/registry\/services\/demo failed: network error/);
    } finally {
      await fetch.close();
    }
  });

  it('with a certificate from an untrusted CA: a NetworkError that shows no key material', async () => {
    const error = await connectSequoia({
      registryUrl,
      auth: { type: 'MUTUAL', clientCert: file('intruder.crt'), clientKey: file('intruder.key'), serverCert: file('ca.crt') },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    const text = exposed(error);
    expect(text).not.toMatch(/PRIVATE KEY/);
    for (const line of keyBody('intruder.key')) expect(text).not.toContain(line);
  });

  it('rejects an untrusted server when serverCert is another CA', async () => {
    const error = await connectSequoia({
      registryUrl,
      auth: { type: 'MUTUAL', clientCert: file('client.crt'), clientKey: file('client.key'), serverCert: file('rogue.crt') },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(exposed(error)).toMatch(/unable to (get|verify)|self[- ]signed|certificate/i);
  });

  it('rejects bad MUTUAL input with a TypeError naming it, never showing file contents', async () => {
    await expect(connectSequoia({ registryUrl, auth: { type: 'MUTUAL', ...paths(), clientKey: '' } })).rejects.toThrow(
      new TypeError('connectSequoia: MUTUAL needs "clientKey", the path of a PEM file.'),
    );
    await expect(connectSequoia({ registryUrl, auth: { type: 'MUTUAL', ...paths(), serverCert: file('missing.pem') } })).rejects.toThrow(
      /^mutualTlsFetch: cannot read "serverCert" at .*missing\.pem \(ENOENT\)\.$/,
    );
    const swapped = await connectSequoia({ registryUrl, auth: { type: 'MUTUAL', ...paths(), clientCert: file('client.key') } }).catch((e: unknown) => e);
    expect(swapped).toBeInstanceOf(TypeError);
    expect((swapped as Error).message).toMatch(/^mutualTlsFetch: "clientCert" at .*client\.key is not a PEM certificate\.$/);
    expect(exposed(swapped)).not.toMatch(/PRIVATE KEY/);
    await expect(connectSequoia({ registryUrl, auth: { type: 'NO_AUTH' }, resources: { close: ['x'] } })).rejects.toThrow(/cannot use the name "close"/);
    expect(() => tlsFetch({ key: '' })).toThrow(new TypeError('tlsFetch: "key" must be a non-empty PEM string.'));
  });
});
