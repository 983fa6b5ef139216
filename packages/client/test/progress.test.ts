import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'sluice';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** 5 MB, up and down. */
const SIZE = 5 * 1024 * 1024;
let server: Server;
let base = '';
let received = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(SIZE) });
      // In 64 KiB writes, so the client sees many chunks.
      const chunk = Buffer.alloc(64 * 1024, 7);
      for (let sent = 0; sent < SIZE; sent += chunk.length) res.write(chunk);
      res.end();
      return;
    }
    received = 0;
    req.on('data', (data: Buffer) => {
      received += data.length;
    });
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ received })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const CHUNK = 64 * 1024;

/** A one-shot 5 MB stream in 64 KiB chunks. */
function chunkedBody(): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= SIZE) return controller.close();
      controller.enqueue(new Uint8Array(CHUNK).fill(1));
      sent += CHUNK;
    },
  });
}

interface Progress {
  percent: number;
  transferredBytes: number;
  totalBytes: number;
}

describe('progress through createClient', () => {
  it('onDownloadProgress reports a 5 MB download to the end', async () => {
    const client = createClient({ baseUrl: base });
    const events: Progress[] = [];
    const body = await client.get('blob', { onDownloadProgress: (progress) => events.push({ ...progress }) }).arrayBuffer();
    expect(body.byteLength).toBe(SIZE);
    expect(events.length).toBeGreaterThan(2);
    expect(events.at(-1)).toMatchObject({ percent: 1, transferredBytes: SIZE, totalBytes: SIZE });
    const transferred = events.map((e) => e.transferredBytes);
    expect(transferred).toEqual([...transferred].sort((a, b) => a - b));
  });

  it('onUploadProgress reports a streamed 5 MB upload chunk by chunk, and the server gets every byte', async () => {
    const client = createClient({ baseUrl: base });
    const events: Progress[] = [];
    const result = await client
      .post('upload', { body: chunkedBody(), onUploadProgress: (progress) => events.push({ ...progress }) })
      .json<{ received: number }>();
    expect(result.received).toBe(SIZE);
    // One event per 64 KiB chunk (ky reports a chunk once the next one arrives, the last on flush).
    expect(events).toHaveLength(SIZE / CHUNK);
    expect(events.at(-1)).toMatchObject({ percent: 1, transferredBytes: SIZE });
  });

  it('onUploadProgress ends at 100 % for an in-memory 5 MB body, also when retry sends it twice', async () => {
    let failFirst = true;
    const flaky = (input: Request, init?: RequestInit) => {
      if (failFirst) {
        failFirst = false;
        return Promise.resolve(new Response(null, { status: 503 }));
      }
      return fetch(input, init);
    };
    const client = createClient({ baseUrl: base, fetch: flaky, retry: { backoff: () => 1 } });
    const events: Progress[] = [];
    const result = await client
      .put('upload', { body: new Uint8Array(SIZE).fill(3), onUploadProgress: (progress) => events.push({ ...progress }) })
      .json<{ received: number }>();
    expect(result.received).toBe(SIZE);
    // Node hands ky an in-memory body as one chunk: ky reports it once, at the end.
    expect(events.at(-1)).toMatchObject({ percent: 1, transferredBytes: SIZE, totalBytes: SIZE });
  });
});
