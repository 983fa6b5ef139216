import { pageNumber, paginate } from '@sluice/core';
import { flakyApi, paginatedCollection, recorder } from '@sluice/testing';
import { createServer } from 'node:http';
import { listen, type ServedHandlers, serve } from '@sluice/testing/node';
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';

let running: ServedHandlers | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe('serve (node)', () => {
  it('serves handler sets on a real 127.0.0.1 port', async () => {
    const traffic = recorder();
    const collection = paginatedCollection(Array.from({ length: 7 }, (_, i) => i), 'linkHeader', { url: '/items' });
    running = await serve([traffic, collection]);
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const all = await paginate(fetch, `${running.url}/items?per_page=3`, pageNumber<number>({ perPage: 3 })).all();
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(traffic.requests.map((entry) => new URL(entry.url).pathname)).toEqual(['/items', '/items', '/items']);
    const response = await fetch(`${running.url}/items?page=1&per_page=3`);
    expect(response.headers.get('link')).toContain(`<${running.url}/items?page=2&per_page=3>; rel="next"`);
  });

  it('passes method, headers and body; sends several set-cookie headers; 404 for no handler', async () => {
    running = await serve([
      http.post('/echo', async ({ request }) => {
        const headers = new Headers({ 'x-method': request.method, 'x-token': request.headers.get('x-token') ?? '' });
        headers.append('set-cookie', 'a=1');
        headers.append('set-cookie', 'b=2');
        return HttpResponse.text(await request.text(), { status: 201, headers });
      }),
    ]);
    const response = await fetch(`${running.url}/echo`, { method: 'POST', body: 'hello', headers: { 'x-token': 't' } });
    expect(response.status).toBe(201);
    expect(await response.text()).toBe('hello');
    expect(response.headers.get('x-method')).toBe('POST');
    expect(response.headers.get('x-token')).toBe('t');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);

    const missing = await fetch(`${running.url}/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('No handler for GET /nothing');
  });

  it('a reset fault drops the connection; a throwing handler gives 500', async () => {
    running = await serve([
      http.get('/boom', () => {
        throw new Error('kaput');
      }),
      flakyApi({ seed: 1, failures: [{ kind: 'reset', rate: 1 }], url: '/flaky' }),
    ]);
    await expect(fetch(`${running.url}/flaky`)).rejects.toThrow(TypeError);
    const boom = await fetch(`${running.url}/boom`);
    expect(boom.status).toBe(500);
  });

  it('a client abort ends a hanging handler, and close() drops open connections', async () => {
    const api = flakyApi({ seed: 1, failures: [{ kind: 'timeout', rate: 1 }], url: '/hang' });
    let released = false;
    let arrived!: () => void;
    const waiting = new Promise<void>((resolve) => (arrived = resolve));
    const waiter = http.get('/wait', async ({ request }) => {
      arrived();
      await new Promise((resolve) => request.signal.addEventListener('abort', resolve, { once: true }));
      released = true;
      return HttpResponse.error();
    });
    running = await serve([api, waiter]);
    const controller = new AbortController();
    const pending = fetch(`${running.url}/wait`, { signal: controller.signal });
    // Abort once the server holds the request, not after a guessed delay.
    await waiting;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await vi.waitFor(() => expect(released).toBe(true), { interval: 1 });
    const hanging = fetch(`${running.url}/hang`).catch((error: unknown) => error);
    // close() must drop a connection the server is holding: wait until the handler has it.
    await vi.waitFor(() => expect(api.stats.timeout).toBe(1), { interval: 1 });
    await running.close();
    running = undefined;
    expect(await hanging).toBeInstanceOf(TypeError);
  });

  it('rejects bad input with a TypeError', async () => {
    await expect(serve('x' as never)).rejects.toThrow('serve(): "handlers" must be an array of msw handlers or handler sets.');
    await expect(serve([], { port: -1 })).rejects.toThrow('serve(): "port" must be an integer from 0 to 65535, got -1.');
  });
});

describe('listen (node)', () => {
  it('starts a node:http server on a free 127.0.0.1 port and stops it, open connections included', async () => {
    let hold: (() => void) | undefined;
    const server = createServer((req, res) => {
      if (req.url === '/hang') hold = () => res.destroy();
      else res.end('ok');
    });
    running = await listen(server);
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${running.url}/`)).text()).toBe('ok');
    const hanging = fetch(`${running.url}/hang`).catch((error: unknown) => error);
    await vi.waitFor(() => expect(hold).toBeDefined(), { interval: 1 });
    await running.close();
    running = undefined;
    expect(server.listening).toBe(false);
    expect(await hanging).toBeInstanceOf(TypeError);
  });

  it('rejects when the port is taken', async () => {
    running = await listen(createServer());
    const port = Number(new URL(running.url).port);
    await expect(listen(createServer(), port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
