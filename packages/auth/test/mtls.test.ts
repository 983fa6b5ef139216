import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer } from '@sluice/auth';
import { compose, type FetchLike } from '@sluice/core';
import { type Listening, listen } from '@sluice/testing/node';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Certificates are generated per run in a temp dir and deleted afterwards: no key is committed.
let dir = '';
let server: Listening | undefined;
let origin = '';
const pem = (name: string) => readFileSync(join(dir, name), 'utf8');

function openssl(...args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-mtls-'));
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=Sluice Test CA');
  for (const name of ['server', 'client']) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name === 'server' ? '127.0.0.1' : 'sluice-client'}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', ...(name === 'server' ? ['-extfile', 'server.ext'] : []));
  }
  server = await listen(
    createServer({ key: pem('server.key'), cert: pem('server.crt'), ca: pem('ca.crt'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ client: peer.subject?.CN, authorization: req.headers.authorization ?? null }));
    }),
  );
  origin = server.url;
}, 30_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The recipe: a terminal fetch bound to an undici Agent that carries cert, key and ca. */
function mtlsFetch(options: { cert?: string; key?: string; ca?: string }): { fetch: FetchLike; agent: Agent } {
  const agent = new Agent({ connect: options });
  const fetchImpl: FetchLike = async (request, init) => {
    const body = request.body === null ? undefined : await request.arrayBuffer();
    const response = await undiciFetch(request.url, {
      method: request.method,
      headers: [...request.headers],
      body,
      redirect: request.redirect,
      signal: init?.signal ?? request.signal,
      dispatcher: agent,
    });
    return new Response(response.body as ReadableStream<Uint8Array> | null, { status: response.status, statusText: response.statusText, headers: [...response.headers] });
  };
  return { fetch: fetchImpl, agent };
}

describe('mutual TLS and a self-signed CA (Sequoia MUTUAL, Atlan verify)', () => {
  it('reaches a server that requires a client certificate, with auth on top', async () => {
    const { fetch, agent } = mtlsFetch({ cert: pem('client.crt'), key: pem('client.key'), ca: pem('ca.crt') });
    try {
      const pipeline = compose([bearer('t', { origins: [origin] })], { fetch });
      const response = await pipeline(`${origin}/me`);
      expect(await response.json()).toEqual({ client: 'sluice-client', authorization: 'Bearer t' });
    } finally {
      await agent.close();
    }
  });

  it('fails without the client certificate', async () => {
    const { fetch, agent } = mtlsFetch({ ca: pem('ca.crt') });
    try {
      await expect(compose([], { fetch })(`${origin}/me`)).rejects.toThrow();
    } finally {
      await agent.close();
    }
  });

  it('fails when the self-signed CA is not trusted', async () => {
    const { fetch, agent } = mtlsFetch({ cert: pem('client.crt'), key: pem('client.key') });
    try {
      const error = await compose([], { fetch })(`${origin}/me`).catch((e: unknown) => e);
      expect(String((error as Error).cause ?? error)).toMatch(/self[- ]signed|unable to (get|verify)/i);
    } finally {
      await agent.close();
    }
  });
});
