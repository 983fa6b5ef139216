import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compose, correlationId, dedupe, errors, NotFoundError, retry, ServerError, timeout } from '@sluice/core';

/** A server that holds every response until the test releases it, and counts what it sees. */
let server: Server;
let base = '';
let seen: IncomingMessage[] = [];
let held: Array<(res?: { status?: number; body?: string }) => void> = [];
let aborted = 0;

function waitFor(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => (check() ? resolve() : setTimeout(poll, 2));
    poll();
  });
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(req);
    res.on('close', () => {
      if (!res.writableFinished) aborted++;
    });
    held.push((answer = {}) => {
      res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain' });
      res.end(answer.body ?? `body of ${req.url}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
  held = [];
  aborted = 0;
});

const releaseAll = (answer?: { status?: number; body?: string }) => {
  for (const release of held.splice(0)) release(answer);
};

describe('dedupe', () => {
  it('sends one request for identical concurrent GETs and gives each caller its own body', async () => {
    const pipeline = compose([errors(), correlationId(), dedupe(), timeout({ total: 5_000 }), retry()]);
    const calls = Array.from({ length: 5 }, () => pipeline(`${base}/users/1`));
    await waitFor(() => held.length === 1);
    releaseAll();
    const responses = await Promise.all(calls);
    expect(seen).toHaveLength(1);
    expect(new Set(responses).size).toBe(5);
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(bodies).toEqual(Array(5).fill('body of /users/1'));
  });

  it('a slow reader does not stall the others', async () => {
    const pipeline = compose([dedupe()]);
    const calls = [pipeline(`${base}/a`), pipeline(`${base}/a`)];
    await waitFor(() => held.length === 1);
    releaseAll();
    const [fast, slow] = await Promise.all(calls);
    // `slow` is never read; `fast` still reads to the end.
    expect(await fast?.text()).toBe('body of /a');
    expect(slow?.bodyUsed).toBe(false);
    await slow?.body?.cancel();
  });

  it('never merges requests with different credentials, accept or URL', async () => {
    const pipeline = compose([dedupe()]);
    const calls = [
      pipeline(`${base}/me`, { headers: { authorization: 'Bearer alice' } }),
      pipeline(`${base}/me`, { headers: { authorization: 'Bearer bob' } }),
      pipeline(`${base}/me`, { headers: { cookie: 'session=1' } }),
      pipeline(`${base}/me`, { headers: { 'x-api-key': 'k1' } }),
      pipeline(`${base}/me`, { headers: { accept: 'text/csv' } }),
      pipeline(`${base}/me?x=1`),
      pipeline(`${base}/me`),
      pipeline(`${base}/me`, { headers: { authorization: 'Bearer alice' } }),
    ];
    await waitFor(() => held.length === 7);
    releaseAll();
    await Promise.all(calls);
    expect(seen).toHaveLength(7);
    expect(seen.filter((r) => r.headers.authorization === 'Bearer alice')).toHaveLength(1);
  });

  it('never merges requests that differ in a header the client names secret', async () => {
    const pipeline = compose([errors({ secrets: ['x-session'] }), dedupe()]);
    const calls = [
      pipeline(`${base}/s1`, { headers: { 'x-session': 'alice' } }),
      pipeline(`${base}/s1`, { headers: { 'x-session': 'bob' } }),
      pipeline(`${base}/s1`, { headers: { 'x-session': 'bob' } }),
    ];
    await waitFor(() => held.length === 2);
    releaseAll();
    await Promise.all(calls);
    expect(seen.map((r) => r.headers['x-session']).sort()).toEqual(['alice', 'bob']);
  });

  it('never shares POSTs, and accepts a user key', async () => {
    const pipeline = compose([dedupe({ key: (request) => new URL(request.url).pathname })]);
    const calls = [
      pipeline(`${base}/p`, { method: 'POST', body: 'x' }),
      pipeline(`${base}/p`, { method: 'POST', body: 'x' }),
      pipeline(`${base}/k?a=1`),
      pipeline(`${base}/k?a=2`),
    ];
    await waitFor(() => held.length === 3);
    releaseAll();
    await Promise.all(calls);
    expect(seen.map((r) => r.method).sort()).toEqual(['GET', 'POST', 'POST']);
  });

  it('a caller that aborts leaves the request running for the others', async () => {
    const pipeline = compose([dedupe()]);
    const leaver = new AbortController();
    const first = pipeline(`${base}/s`, { signal: leaver.signal });
    const second = pipeline(`${base}/s`);
    await waitFor(() => held.length === 1);
    leaver.abort(new Error('I left'));
    await expect(first).rejects.toThrow('I left');
    releaseAll();
    expect(await (await second).text()).toBe('body of /s');
    expect(aborted).toBe(0);
  });

  it('the first caller aborting during a retry wait does not abort the retry for the others', async () => {
    const pipeline = compose([dedupe(), retry({ limit: 1, backoff: () => 200 })]);
    const leader = new AbortController();
    const first = pipeline(`${base}/r`, { signal: leader.signal });
    const second = pipeline(`${base}/r`);
    await waitFor(() => held.length === 1);
    releaseAll({ status: 503 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    leader.abort(new Error('leader left'));
    await expect(first).rejects.toThrow('leader left');
    await waitFor(() => held.length === 1);
    releaseAll();
    expect((await second).status).toBe(200);
    expect(seen).toHaveLength(2);
  });

  it('aborts the shared request when the last caller aborts', async () => {
    const pipeline = compose([dedupe()]);
    const a = new AbortController();
    const b = new AbortController();
    const calls = [pipeline(`${base}/t`, { signal: a.signal }), pipeline(`${base}/t`, { signal: b.signal })];
    await waitFor(() => held.length === 1);
    a.abort();
    b.abort();
    await Promise.allSettled(calls);
    await waitFor(() => aborted === 1);
    expect(aborted).toBe(1);
    // The key is free again: the next call goes to the network.
    const again = pipeline(`${base}/t`);
    await waitFor(() => held.length === 2);
    releaseAll();
    expect((await again).status).toBe(200);
  });

  it('each caller gets its own typed error for a shared failure', async () => {
    const pipeline = compose([errors(), dedupe()]);
    const calls = [pipeline(`${base}/missing`), pipeline(`${base}/missing`)];
    await waitFor(() => held.length === 1);
    releaseAll({ status: 404, body: 'nope' });
    const results = await Promise.allSettled(calls);
    expect(seen).toHaveLength(1);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(NotFoundError);
    }
  });

  it('shares the retries of the logical request when placed outside retry', async () => {
    const pipeline = compose([errors(), dedupe(), retry({ limit: 1, sleep: async () => undefined })]);
    const calls = [pipeline(`${base}/flaky`), pipeline(`${base}/flaky`)];
    await waitFor(() => held.length === 1);
    releaseAll({ status: 503 });
    await waitFor(() => held.length === 1);
    releaseAll({ status: 503 });
    const results = await Promise.allSettled(calls);
    expect(seen).toHaveLength(2);
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof ServerError)).toBe(true);
  });

  it('rejects bad options and bad keys with a TypeError naming the option', async () => {
    expect(() => dedupe({ methods: 'GET' as never })).toThrow(/"methods"/);
    expect(() => dedupe({ headers: [''] })).toThrow(/"headers"/);
    expect(() => dedupe({ key: 'x' as never })).toThrow(/"key"/);
    const pipeline = compose([dedupe({ key: () => 42 as never })], { fetch: async () => new Response('x') });
    await expect(pipeline(`${base}/x`)).rejects.toThrow(/must return a string/);
  });
});
