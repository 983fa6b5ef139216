import {
  clientCredentials,
  defaultTokenLock,
  inProcessLock,
  memoryStore,
  type StorageLike,
  type TokenLock,
  tokenAuth,
  webLocksLock,
  webStorageStore,
} from '@sluice/auth';
import { compose } from '@sluice/core';
import { oauthServer } from '@sluice/testing';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useServer } from '@sluice/testing/node';

const API = 'https://api.test';
const server = useServer({ beforeAll, afterEach, afterAll });
afterEach(() => {
  vi.unstubAllGlobals();
});

function fakeStorage(): StorageLike & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}

describe('stores', () => {
  it('memoryStore keeps tokens by key', async () => {
    const store = memoryStore();
    await store.set('a', { accessToken: 'x' });
    expect(await store.get('a')).toEqual({ accessToken: 'x' });
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
  });

  it('webStorageStore saves JSON under a prefix and treats unreadable entries as absent', async () => {
    const storage = fakeStorage();
    const store = webStorageStore(storage);
    await store.set('k', { accessToken: 'x', expiresAt: 5 });
    expect(storage.data.get('sluice:token:k')).toBe('{"accessToken":"x","expiresAt":5}');
    expect(await store.get('k')).toEqual({ accessToken: 'x', expiresAt: 5 });
    storage.data.set('sluice:token:bad', '{not json');
    expect(await store.get('bad')).toBeUndefined();
    await store.delete('k');
    expect(storage.data.size).toBe(1);
    expect(() => webStorageStore({} as StorageLike)).toThrow(/storage must have getItem, setItem and removeItem/);
  });
});

function setup() {
  const oauth = oauthServer({ clients: [{ clientId: 'svc', clientSecret: 'secret', scopes: ['read', 'write'] }], tokenDelayMs: 20 });
  server.use(...oauth.handlers, http.get(`${API}/items`, oauth.guard(() => HttpResponse.json({}))));
  const config = { tokenUrl: oauth.tokenUrl, clientId: 'svc', clientSecret: 'secret', scope: 'read' };
  return { oauth, config };
}

describe('shared store', () => {
  const locks: [string, () => TokenLock][] = [
    ['the default lock (Web Locks here)', defaultTokenLock],
    ['the in-process lock', () => inProcessLock],
  ];
  for (const [label, lock] of locks) {
    it(`two clients sharing one store refresh once, with ${label}`, async () => {
      const { oauth, config } = setup();
      const store = webStorageStore(fakeStorage());
      const a = compose([tokenAuth(clientCredentials(config), { store, lock: lock(), origins: [API] })]);
      const b = compose([tokenAuth(clientCredentials(config), { store, lock: lock(), origins: [API] })]);
      const results = await Promise.all([...Array.from({ length: 20 }, () => a(`${API}/items`)), ...Array.from({ length: 20 }, () => b(`${API}/items`))]);
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(oauth.stats.tokenCalls).toBe(1);
    });
  }

  it('clients with different scopes never share a token, even in one store', async () => {
    const { oauth, config } = setup();
    const store = memoryStore();
    await compose([tokenAuth(clientCredentials(config), { store, origins: [API] })])(`${API}/items`);
    await compose([tokenAuth(clientCredentials({ ...config, scope: 'write' }), { store, origins: [API] })])(`${API}/items`);
    expect(oauth.stats.tokenCalls).toBe(2);
  });

  it('webLocksLock needs navigator.locks; the default falls back to the in-process lock', () => {
    vi.stubGlobal('navigator', {});
    expect(() => webLocksLock()).toThrow(/navigator.locks \(the Web Locks API\) is not available/);
    expect(defaultTokenLock()).toBe(inProcessLock);
  });

  it("passes the lock the refresh's signal: it aborts once every request waiting for the refresh was aborted", async () => {
    const { config } = setup();
    const signals: AbortSignal[] = [];
    // A lock held elsewhere that never frees: only the signal ends the wait.
    const held: TokenLock = {
      run: (_name, _task, options) =>
        new Promise((_, reject) => {
          const signal = options?.signal;
          if (signal) signals.push(signal);
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    };
    const fetch = compose([tokenAuth(clientCredentials(config), { lock: held, origins: [API] })]);
    const first = new AbortController();
    const second = new AbortController();
    const requests = [fetch(`${API}/items`, { signal: first.signal }), fetch(`${API}/items`, { signal: second.signal })];
    await vi.waitFor(() => expect(signals).toHaveLength(1));
    first.abort();
    await expect(requests[0]).rejects.toMatchObject({ name: 'AbortError' });
    expect(signals[0]?.aborted).toBe(false); // the second request still waits for the refresh
    second.abort();
    await expect(requests[1]).rejects.toMatchObject({ name: 'AbortError' });
    expect(signals[0]?.aborted).toBe(true);
    expect(String(signals[0]?.reason)).toMatch(/every request waiting for it was aborted/);
  });

  it('the in-process lock runs tasks one at a time per name, and survives a failing task', async () => {
    const order: string[] = [];
    const task = (name: string, fail = false) => async () => {
      order.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
      order.push(`end ${name}`);
      if (fail) throw new Error('boom');
      return name;
    };
    const results = await Promise.allSettled([inProcessLock.run('k', task('a', true)), inProcessLock.run('k', task('b'))]);
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
  });
});
