import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compose, correlationId, errors, NetworkError } from '@sluice/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The guarded response is the pipeline's own Response: these cover the paths beside the
// plain readers (fault-fixes.test.ts): a streamed body, a clone, formData, misuse.
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/half') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"items":[1,2,');
      setTimeout(() => res.socket?.destroy(), 10);
      return;
    }
    if (req.url === '/form') {
      res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' }).end('a=1&b=2');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(req.url === '/bad-json' ? 'not json' : 'fine');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

const pipeline = compose([errors(), correlationId({ id: 'cid-guard' })]);

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

async function drain(body: ReadableStream<Uint8Array>): Promise<string> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks).toString();
}

describe('the body guard', () => {
  it('maps a reset met while streaming response.body', async () => {
    const response = await pipeline(`${base}/half`);
    const error = await failure(drain(response.body as ReadableStream<Uint8Array>));
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).correlationId).toBe('cid-guard');
    expect((error as NetworkError).message).toContain('failed while reading the response body');
  });

  it('maps a reset in a clone, and the clone and the original both read a good body', async () => {
    const broken = await pipeline(`${base}/half`);
    expect(await failure(broken.clone().text())).toBeInstanceOf(NetworkError);
    const good = await pipeline(`${base}/ok`);
    const copy = good.clone();
    expect(await copy.text()).toBe('fine');
    expect(await good.text()).toBe('fine');
  });

  it('reads formData, and a body taken as a stream then read as text', async () => {
    const form = await (await pipeline(`${base}/form`)).formData();
    expect(form.get('b')).toBe('2');
    const response = await pipeline(`${base}/ok`);
    expect(response.body).not.toBeNull();
    expect(await response.text()).toBe('fine');
    expect(response.bodyUsed).toBe(true);
  });

  it('leaves misuse and bad JSON as they are: a second read and a SyntaxError are not network errors', async () => {
    const response = await pipeline(`${base}/ok`);
    expect(response).toBeInstanceOf(Response);
    await response.text();
    const second = await failure(response.text());
    expect(second).toBeInstanceOf(TypeError);
    expect(second).not.toBeInstanceOf(NetworkError);
    const bad = await failure((await pipeline(`${base}/bad-json`)).json());
    expect(bad).toBeInstanceOf(SyntaxError);
  });
});
