import { inspect } from 'node:util';
import { apiKey, bearer } from '@sluice/auth';
import { HttpError, type SluiceEvent } from '@sluice/core';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/index.js';
import { useServer } from '@sluice/testing/node';

const BASE = 'https://secrets.test/v1';
const TOKEN = 'tok-9f8e7d6c5b4a';
const KEY = 'key-0a1b2c3d4e5f';
const server = useServer({ beforeAll, afterEach, afterAll });

/** Every way an error or event can be shown, joined. */
function everything(error: unknown, events: SluiceEvent[]): string {
  return [String(error), JSON.stringify(error), inspect(error, { depth: Infinity, showHidden: true }), (error as Error).stack, inspect(events, { depth: Infinity })].join('\n');
}

describe('credentials attached by auth never leak, end to end through the client', () => {
  it('a server echoing the bearer token in a 4xx body', async () => {
    server.use(http.get(`${BASE}/me`, ({ request }) => HttpResponse.json({ error: `invalid ${request.headers.get('authorization')}` }, { status: 400 })));
    const events: SluiceEvent[] = [];
    const client = createClient({ baseUrl: BASE, auth: bearer(TOKEN), retry: false, onEvent: (event) => events.push(event) });
    const error = await client.get('me').json().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(400);
    expect(everything(error, events)).not.toContain(TOKEN);
    expect(JSON.stringify((error as HttpError).body)).toContain('[REDACTED]');
  });

  it('a server echoing an API key header in a 5xx text body, after retries', async () => {
    server.use(http.get(`${BASE}/items`, ({ request }) => new HttpResponse(`bad key ${request.headers.get('x-key')}`, { status: 503 })));
    const events: SluiceEvent[] = [];
    const client = createClient({
      baseUrl: BASE,
      auth: apiKey({ header: 'X-Key', value: KEY }),
      retry: { limit: 1, sleep: async () => {} },
      onEvent: (event) => events.push(event),
    });
    const error = await client.get('items').json().catch((e: unknown) => e);
    expect((error as HttpError).attempts).toBe(2);
    expect(everything(error, events)).not.toContain(KEY);
  });
});
