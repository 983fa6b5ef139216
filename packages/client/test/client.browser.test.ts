import { NotFoundError, ServerError, TimeoutError } from '@sluice/core';
import { delay, http, HttpResponse } from 'msw';
import { setupWorker } from 'msw/browser';
import { createClient } from 'sluice';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// The same client, in a real browser: requests leave through the page's fetch and are
// answered by msw's service worker.
const worker = setupWorker();
const api = `${location.origin}/api`;

beforeAll(async () => {
  await worker.start({ quiet: true, onUnhandledFrame: 'error' });
});
afterEach(() => worker.resetHandlers());
afterAll(() => worker.stop());

describe('sluice in the browser', () => {
  it('sends JSON, merges headers and sets one correlation id', async () => {
    const seen: Array<{ tenant: string | null; id: string | null }> = [];
    worker.use(
      http.post(`${api}/users`, async ({ request }) => {
        seen.push({ tenant: request.headers.get('x-tenant'), id: request.headers.get('x-correlation-id') });
        return HttpResponse.json({ created: await request.json() }, { status: 201 });
      }),
    );
    const client = createClient({ baseUrl: api, headers: { 'x-tenant': 'client' } });
    const body = await client.post('users', { json: { name: 'Ada' }, headers: { 'X-Tenant': 'request' } }).json();
    expect(body).toEqual({ created: { name: 'Ada' } });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.tenant).toBe('request');
    expect(seen[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('retries a 503 with the same correlation id and maps a 404 to NotFoundError', async () => {
    const ids: Array<string | null> = [];
    let calls = 0;
    worker.use(
      http.get(`${api}/flaky`, ({ request }) => {
        ids.push(request.headers.get('x-correlation-id'));
        calls++;
        return calls < 3 ? new HttpResponse(null, { status: 503 }) : HttpResponse.json({ ok: true });
      }),
      http.get(`${api}/missing`, () => HttpResponse.json({ error: 'nope' }, { status: 404 })),
    );
    const client = createClient({ baseUrl: api, retry: { backoff: () => 1 } });
    expect(await client.get('flaky').json()).toEqual({ ok: true });
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);

    const error = await client.get('missing?token=s3cr3t-value').json().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(String(error)).not.toContain('s3cr3t-value');
    expect(JSON.stringify(error)).not.toContain('s3cr3t-value');
  });

  it('fails a slow attempt with TimeoutError and gives up on a lasting 503 with ServerError', async () => {
    worker.use(
      http.get(`${api}/slow`, async () => {
        await delay(2_000);
        return HttpResponse.json({});
      }),
      http.get(`${api}/down`, () => new HttpResponse('down', { status: 503 })),
    );
    const client = createClient({ baseUrl: api, timeout: { attempt: 50, total: 1_000 }, retry: { limit: 0 } });
    await expect(client.get('slow').json()).rejects.toBeInstanceOf(TimeoutError);
    const down = await client.get('down', { retry: { limit: 1, backoff: () => 1 } }).json().catch((e: unknown) => e);
    expect(down).toBeInstanceOf(ServerError);
    expect((down as ServerError).attempts).toBe(2);
  });

  it('rejects with the standard AbortError when the caller aborts', async () => {
    worker.use(
      http.get(`${api}/hang`, async () => {
        await delay(5_000);
        return HttpResponse.json({});
      }),
    );
    const client = createClient({ baseUrl: api });
    const controller = new AbortController();
    const pending = client.get('hang', { signal: controller.signal }).json();
    setTimeout(() => controller.abort(), 20);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
  });
});
