import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientCredentials, tokenAuth } from '@sluice/auth';
import { AuthError, compose, errors } from '@sluice/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Every text an error shows: message, body, toString, JSON, and the same down its cause chain. */
function everything(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    const e = current as Error & { body?: unknown };
    parts.push(String(e), String(e.message), String(e.stack), JSON.stringify(e), JSON.stringify(e.body ?? null), String(e.body));
    current = e.cause;
  }
  return parts.join('\n');
}

describe('a token endpoint answering 200 with a body that is not JSON (fix 1)', () => {
  let server: Server;
  let base = '';
  const bodies: Record<string, string> = {
    '/cut': '{"access_token":"ACCESSTOK-77","refresh_token":"REFRESHTOK-88"',
    '/form': 'access_token=ACCESSTOK-77&refresh_token=REFRESHTOK-88&token_type=bearer',
  };
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(bodies[req.url ?? ''] ?? ''));
    });
    base = await listen(server);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it.each(['/cut', '/form'])('%s: the AuthError shows neither token anywhere', async (path) => {
    const provider = clientCredentials({ tokenUrl: `${base}${path}`, clientId: 'app', clientSecret: 'CLIENTSECRET-99' });
    const pipeline = compose([errors(), tokenAuth(provider, { origins: [base] })]);
    const error = await pipeline(`${base}/api`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).toContain('not JSON');
    const shown = everything(error);
    for (const secret of ['ACCESSTOK-77', 'REFRESHTOK-88', 'CLIENTSECRET-99']) expect(shown).not.toContain(secret);
    expect(String((error as AuthError).body)).toContain('[REDACTED]');
  });
});
