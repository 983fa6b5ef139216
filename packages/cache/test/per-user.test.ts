import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer } from 'node:http';
import { bearer, createAuthMiddleware } from '@sluice/auth';
import { type CacheEntry, type CacheStore, cache, memoryStore } from '@sluice/cache';
import { dedupe, type Middleware } from '@sluice/core';
import { type Listening, listen } from '@sluice/testing/node';
import { createClient } from 'sluice';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

/*
 * One client serving many users, the token picked per call by the client's auth from
 * AsyncLocalStorage: dedupe and cache sit outside auth, so they must learn each request's
 * credential before it is sent, and never give one user's response to another.
 */

let server: Listening;
let seen: string[] = [];
let held: Array<() => void> = [];
/** While true, the server holds every answer until the test releases it. */
let holding = false;

beforeAll(async () => {
  server = await listen(
    createServer((req, res) => {
      const who = String(req.headers.authorization ?? req.headers['x-session'] ?? 'nobody');
      seen.push(who);
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'private, max-age=60' });
        res.end(JSON.stringify({ me: who }));
      };
      if (holding) held.push(answer);
      else answer();
    }),
  );
});
afterAll(() => server.close());
beforeEach(() => {
  seen = [];
  held = [];
  holding = false;
});

function waitFor(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => (check() ? resolve() : setTimeout(poll, 2));
    poll();
  });
}

const als = new AsyncLocalStorage<string>();
const as = <T>(token: string, call: () => Promise<T>) => als.run(token, call);

function clientWith(middleware: Middleware, auth = bearer(() => als.getStore() ?? 'none')) {
  return createClient({ baseUrl: server.url, auth, middleware: [{ middleware, before: 'timeout.total' }] });
}

describe('dedupe never merges the requests of two users', () => {
  it('with the token picked per call (AsyncLocalStorage), from the very first requests on', async () => {
    const client = clientWith(dedupe());
    holding = true;
    const first = Promise.all([as('alice', () => client.get('me').json()), as('bob', () => client.get('me').json())]);
    await waitFor(() => held.length === 2);
    for (const release of held.splice(0)) release();
    expect(await first).toEqual([{ me: 'Bearer alice' }, { me: 'Bearer bob' }]);

    // Once the chain's auth is known: the same token still shares, another one never does.
    seen = [];
    const second = Promise.all([
      as('alice', () => client.get('me').json()),
      as('alice', () => client.get('me').json()),
      as('bob', () => client.get('me').json()),
    ]);
    await waitFor(() => held.length === 2);
    for (const release of held.splice(0)) release();
    expect(await second).toEqual([{ me: 'Bearer alice' }, { me: 'Bearer alice' }, { me: 'Bearer bob' }]);
    expect(seen.sort()).toEqual(['Bearer alice', 'Bearer bob']);
  });

  it('with per-request auth: different tokens split, the same token shares', async () => {
    const client = clientWith(dedupe());
    holding = true;
    const calls = Promise.all([
      client.get('me', { auth: bearer('alice') }).json(),
      client.get('me', { auth: bearer('bob') }).json(),
      client.get('me', { auth: bearer('alice') }).json(),
    ]);
    await waitFor(() => held.length === 2);
    for (const release of held.splice(0)) release();
    expect(await calls).toEqual([{ me: 'Bearer alice' }, { me: 'Bearer bob' }, { me: 'Bearer alice' }]);
    expect(seen.sort()).toEqual(['Bearer alice', 'Bearer bob']);
  });

  it('with a scheme of your own that reads the caller (createAuthMiddleware)', async () => {
    const session = createAuthMiddleware({ attach: ({ headers }) => headers.set('x-session', als.getStore() ?? 'none') });
    const client = clientWith(dedupe(), session);
    holding = true;
    const calls = Promise.all([as('s-alice', () => client.get('me').json()), as('s-bob', () => client.get('me').json())]);
    await waitFor(() => held.length === 2);
    for (const release of held.splice(0)) release();
    expect(await calls).toEqual([{ me: 's-alice' }, { me: 's-bob' }]);
  });
});

describe('cache never serves one user the entry of another', () => {
  it('with the token picked per call (AsyncLocalStorage); each user still hits their own entry', async () => {
    const keys: string[] = [];
    const inner = memoryStore();
    const store: CacheStore = {
      get: (key) => inner.get(key),
      set: (key: string, entry: CacheEntry) => {
        keys.push(key);
        return inner.set(key, entry);
      },
      delete: (key) => inner.delete(key),
    };
    const client = clientWith(cache({ store }));
    expect(await as('alice', () => client.get('me').json())).toEqual({ me: 'Bearer alice' });
    expect(await as('bob', () => client.get('me').json())).toEqual({ me: 'Bearer bob' });
    await waitFor(() => keys.length === 2);
    expect(await as('alice', () => client.get('me').json())).toEqual({ me: 'Bearer alice' });
    expect(await as('bob', () => client.get('me').json())).toEqual({ me: 'Bearer bob' });
    expect(seen).toEqual(['Bearer alice', 'Bearer bob']);
    // The keys tell the users apart by a digest, never by the token.
    expect(new Set(keys).size).toBe(2);
    for (const key of keys) expect(key).not.toMatch(/alice|bob/);
  });

  it('with per-request auth: each token its own entry', async () => {
    const client = clientWith(cache());
    expect(await client.get('me', { auth: bearer('alice') }).json()).toEqual({ me: 'Bearer alice' });
    expect(await client.get('me', { auth: bearer('bob') }).json()).toEqual({ me: 'Bearer bob' });
    expect(await client.get('me', { auth: bearer('alice') }).json()).toEqual({ me: 'Bearer alice' });
    expect(await client.get('me', { auth: bearer('bob') }).json()).toEqual({ me: 'Bearer bob' });
    expect(seen).toEqual(['Bearer alice', 'Bearer bob']);
  });
});
