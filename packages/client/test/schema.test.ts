import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NotFoundError, ResponseValidationError, SluiceError } from '@sluice/core';
import { createClient } from 'sluice';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

let server: Server;
let base = '';
const bodies: Record<string, unknown> = {
  '/good': { id: 1, items: [{ name: 'a' }] },
  '/bad': { id: 'one', items: [{ name: 'a' }, { name: 2 }] },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (!(path in bodies)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(bodies[path]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const schema = z.object({ id: z.number(), items: z.array(z.object({ name: z.string() })) });

describe('Standard Schema validation of response bodies (ky 2 .json(schema))', () => {
  it('returns the typed, parsed value when the body matches', async () => {
    const client = createClient({ baseUrl: base });
    const value = await client.get('good').json(schema);
    const id: number = value.id;
    expect(id).toBe(1);
    expect(value.items[0]?.name).toBe('a');
  });

  it('fails with a ResponseValidationError carrying the path of each failure', async () => {
    const client = createClient({ baseUrl: base });
    const error = await client
      .get('bad', { searchParams: { token: 'sekret' } })
      .json(schema)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error).toBeInstanceOf(SluiceError);
    const failure = error as ResponseValidationError;
    expect(failure.path).toEqual(['id']);
    expect(failure.issues.map((issue) => issue.path)).toEqual([['id'], ['items', 1, 'name']]);
    expect(failure.message).toMatch(/does not match the schema at \$\.id: .+ \(and 1 more issue\)/);
    expect(failure.message).not.toContain('sekret');
    expect(failure.correlationId).toMatch(/.+/);
    expect(JSON.stringify(failure)).toContain('"path":["id"]');
  });

  it('an HTTP error stays an HttpError; .json() without a schema is unchanged', async () => {
    const client = createClient({ baseUrl: base });
    await expect(client.get('missing').json(schema)).rejects.toBeInstanceOf(NotFoundError);
    expect(await client.get('bad').json()).toEqual(bodies['/bad']);
  });
});
