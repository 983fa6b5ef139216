import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SluiceError } from '@sluice/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/index.js';

let server: Server;
let base = '';
let hits = 0;
beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('a bad per-request option rejects with the TypeError itself (fix 5)', () => {
  it.each([
    ['timeout: 0', { timeout: 0 }, /"timeout" must be a finite number of ms > 0, got 0/],
    ['timeout: "100"', { timeout: '100' }, /"timeout"/],
    ['retry: -1', { retry: -1 }, /must be an integer ≥ 0, got -1/],
  ])('%s', async (_name, options, message) => {
    const client = createClient({ baseUrl: base });
    const error = await client.get('x', options as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(SluiceError);
    expect((error as TypeError).message).toMatch(message);
  });

  it('a good request on the same client still works, and other unexpected errors stay wrapped', async () => {
    const client = createClient({ baseUrl: base });
    const before = hits;
    expect(await client.get('x').text()).toBe('ok');
    expect(hits).toBe(before + 1);
    const broken = createClient({ baseUrl: base, fetch: () => { throw new TypeError('a bug in a custom fetch'); } });
    const error = await broken.get('x').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).cause).toBeInstanceOf(TypeError);
  });
});
