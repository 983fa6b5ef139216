import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NetworkError, ResponseParseError } from '@sluice/core';
import { createClient } from 'sluice';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/half')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
      res.write('{"items":[1,2,');
      setTimeout(() => res.socket?.destroy(), 10);
    } else if (req.url === '/not-json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops</html>');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('createClient: body-read failures are typed (fix 1)', () => {
  it.each(['json', 'text'] as const)('a reset in the middle of a 2xx body rejects .%s() with a NetworkError carrying the correlation id and redacted URL', async (reader) => {
    const client = createClient({ baseUrl: base, secrets: ['token'] });
    const error = await client.get('half', { searchParams: { token: 'hunter2' } })[reader]().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    const network = error as NetworkError;
    expect(network.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(network.message).toContain(`GET ${base}/half?token=%5BREDACTED%5D failed while reading the response body`);
    expect(network.message).not.toContain('hunter2');
  });

  it('invalid JSON in a 2xx is a ResponseParseError with the correlation id, also with the body guarded', async () => {
    const client = createClient({ baseUrl: base, correlationId: { id: 'op-42' } });
    const error = await client.get('not-json').json().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResponseParseError);
    expect((error as ResponseParseError).correlationId).toBe('op-42');
    const generated = await createClient({ baseUrl: base }).get('not-json').json().catch((caught: unknown) => caught);
    expect((generated as ResponseParseError).correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
