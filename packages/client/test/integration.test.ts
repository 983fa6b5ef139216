import { pageNumber } from '@sluice/core';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '@sluice/auth';
import { createClient } from '../src/index.js';
import { BASE, type Echo, echoHandler } from './helpers.js';
import { useServer } from '@sluice/testing/node';

const server = useServer({ beforeAll, afterEach, afterAll }, echoHandler);

describe('auth', () => {
  it("attaches credentials only on the baseUrl's origin and honours auth: false per request", async () => {
    server.use(http.all('https://third.party/*', ({ request }) => HttpResponse.json({ authorization: request.headers.get('authorization') })));
    const client = createClient({ baseUrl: BASE, auth: bearer('tok-123') });
    expect(client.stack.names()).toContain('auth');
    expect((await client.get('me').json<Echo>()).headers.authorization).toBe('Bearer tok-123');
    expect((await client.get('me', { auth: false }).json<Echo>()).headers.authorization).toBeUndefined();
    expect((await client.get('me', { auth: bearer('other') }).json<Echo>()).headers.authorization).toBe('Bearer other');
    expect(await client.get('https://third.party/x').json()).toEqual({ authorization: null });
  });
});

describe('client.paginate', () => {
  it('pages through the client with one correlation id and stops on a short page', async () => {
    const items = Array.from({ length: 5 }, (_, i) => ({ id: i + 1 }));
    const seen: Array<{ url: string; id: string | null; app: string | null }> = [];
    server.use(
      http.get(`${BASE}/items`, ({ request }) => {
        const url = new URL(request.url);
        seen.push({ url: url.pathname + url.search, id: request.headers.get('x-correlation-id'), app: request.headers.get('x-app') });
        const page = Number(url.searchParams.get('page') ?? '1');
        const perPage = Number(url.searchParams.get('per_page') ?? '2');
        return HttpResponse.json(items.slice((page - 1) * perPage, page * perPage));
      }),
    );
    const client = createClient({ baseUrl: BASE, headers: { 'x-app': 'demo' } });
    const all = await client.paginate<{ id: number }>('items', pageNumber({ perPage: 2 })).all();
    expect(all.map((item) => item.id)).toEqual([1, 2, 3, 4, 5]);
    expect(seen).toHaveLength(3);
    expect(seen.every((s) => s.app === 'demo')).toBe(true);
    expect(new Set(seen.map((s) => s.id)).size).toBe(1);
  });
});
