import { apiKey, bearer, clientCredentials, type TokenLock, tokenAuth, webLocksLock, webStorageStore } from '@sluice/auth';
import { normalizeToken } from '../src/token/token.js';
import { compose, errors, type Middleware, UnauthorizedError } from '@sluice/core';
import { oauthServer } from '@sluice/testing';
import { HttpResponse, http } from 'msw';
import { setupWorker } from 'msw/browser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// tokenAuth, token stores, Web Locks and origin scoping in headless Chromium. Requests
// leave through the page's fetch and are answered by msw's service worker.
const worker = setupWorker();
const origin = location.origin;
const api = `${origin}/auth-browser/api`;
/** Another origin: the page's cross-origin requests reach the service worker too. */
const foreign = 'https://elsewhere.example.test';

/** Every localStorage key a test wrote, removed after it. */
const prefixes: string[] = [];
const freshPrefix = () => {
  const prefix = `sluice-test:${crypto.randomUUID()}:`;
  prefixes.push(prefix);
  return prefix;
};

beforeAll(async () => {
  await worker.start({ quiet: true, onUnhandledFrame: 'error' });
});
afterEach(() => {
  worker.resetHandlers();
  for (const key of Object.keys(localStorage)) if (prefixes.some((p) => key.startsWith(p))) localStorage.removeItem(key);
  prefixes.length = 0;
});
afterAll(() => worker.stop());

/** A simulated OAuth server under this page's origin, with a clock the test can move. */
function setup(options: { tokenDelayMs?: number } = {}) {
  let skewMs = 0;
  const oauth = oauthServer({
    issuer: `${origin}/auth-browser/idp`,
    tokenPath: '/auth-browser/idp/token',
    clients: [{ clientId: 'svc', clientSecret: 'svc-secret' }],
    ttlSeconds: 600,
    now: () => Date.now() + skewMs,
    ...options,
  });
  const provider = () => clientCredentials({ tokenUrl: oauth.tokenUrl, clientId: 'svc', clientSecret: 'svc-secret' });
  /** A token the server itself considers expired (issued two hours "ago" with a one-minute TTL). */
  const expiredToken = async () => {
    skewMs = -2 * 3_600_000;
    try {
      return normalizeToken({ accessToken: await oauth.issueToken('svc', { ttlSeconds: 60 }) });
    } finally {
      skewMs = 0;
    }
  };
  const seen: string[] = [];
  worker.use(
    ...oauth.handlers,
    http.get(
      `${api}/items/:id`,
      oauth.guard(({ request }) => {
        seen.push(request.headers.get('authorization') ?? '');
        return HttpResponse.json({ id: new URL(request.url).pathname.split('/').pop() });
      }),
    ),
  );
  return { oauth, provider, expiredToken, seen };
}

describe('tokenAuth in the browser', () => {
  it('refreshes an expired token once for 8 concurrent requests', async () => {
    const { oauth, provider, expiredToken, seen } = setup({ tokenDelayMs: 30 });
    const store = webStorageStore(localStorage, { prefix: freshPrefix() });
    const stale = await expiredToken();
    expect(stale.expiresAt).toBeLessThan(Date.now());
    await store.set('svc', stale);

    const auth = tokenAuth(provider(), { store, key: 'svc', origins: [origin] });
    const pipeline = compose([errors(), auth]);
    const bodies = await Promise.all(Array.from({ length: 8 }, (_, i) => pipeline(`${api}/items/${i}`).then((r) => r.json())));

    expect(bodies).toEqual(Array.from({ length: 8 }, (_, i) => ({ id: String(i) })));
    expect(oauth.stats.tokenCalls).toBe(1);
    expect(auth.stats().tokenCalls).toBe(1);
    expect(oauth.stats.rejected).toBe(0);
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]).not.toBe(`Bearer ${stale.accessToken}`);
  });

  it('answers 8 concurrent 401s (a token the client still trusts) with one refresh and one replay each', async () => {
    const { oauth, provider, expiredToken, seen } = setup({ tokenDelayMs: 30 });
    const store = webStorageStore(localStorage, { prefix: freshPrefix() });
    // The client believes the token is good for an hour; the server says it expired.
    await store.set('svc', { ...(await expiredToken()), expiresAt: Date.now() + 3_600_000 });

    const auth = tokenAuth(provider(), { store, key: 'svc', origins: [origin] });
    const pipeline = compose([errors(), auth]);
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) => pipeline(`${api}/items/${i}`).then((r) => r.status)));

    expect(statuses).toEqual(Array(8).fill(200));
    expect(oauth.stats.tokenCalls).toBe(1);
    expect(oauth.stats.rejected).toBe(8);
    expect(oauth.stats.accepted).toBe(8);
    expect(seen).toHaveLength(8);
  });

  it('fails with UnauthorizedError when the refreshed token is rejected too', async () => {
    const { oauth, provider } = setup();
    worker.use(http.get(`${api}/never`, () => HttpResponse.json({ error: 'invalid_token' }, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } })));
    const pipeline = compose([errors(), tokenAuth(provider(), { origins: [origin] })]);
    const error = await pipeline(`${api}/never`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).message).toContain('still 401 after a token refresh');
    expect(oauth.stats.tokenCalls).toBe(2);
    expect(String(error)).not.toContain('svc-secret');
  });

  it('keeps the token in localStorage across two clients', async () => {
    const { oauth, provider, seen } = setup();
    const prefix = freshPrefix();
    const first = compose([errors(), tokenAuth(provider(), { store: webStorageStore(localStorage, { prefix }), origins: [origin] })]);
    expect((await first(`${api}/items/1`)).status).toBe(200);
    expect(oauth.stats.tokenCalls).toBe(1);

    const saved = Object.keys(localStorage).filter((key) => key.startsWith(prefix));
    expect(saved).toHaveLength(1);
    const stored = JSON.parse(localStorage.getItem(saved[0] ?? '') ?? 'null') as { accessToken: string; expiresAt: number };
    expect(stored.expiresAt).toBeGreaterThan(Date.now());

    // A second client (a new store object over the same localStorage, e.g. after a reload).
    const second = compose([errors(), tokenAuth(provider(), { store: webStorageStore(localStorage, { prefix }), origins: [origin] })]);
    expect((await second(`${api}/items/2`)).status).toBe(200);
    expect(oauth.stats.tokenCalls).toBe(1);
    expect(seen).toEqual([`Bearer ${stored.accessToken}`, `Bearer ${stored.accessToken}`]);
  });

  it('makes two clients sharing one store refresh once, under a Web Lock', async () => {
    expect(typeof navigator.locks?.request).toBe('function');
    const { oauth, provider, expiredToken } = setup({ tokenDelayMs: 50 });
    const prefix = freshPrefix();
    await webStorageStore(localStorage, { prefix }).set('shared', await expiredToken());

    const heldDuringTokenCall: string[][] = [];
    worker.use(
      http.post(oauth.tokenUrl, async () => {
        const snapshot = await navigator.locks.query();
        heldDuringTokenCall.push((snapshot.held ?? []).map((lock) => lock.name ?? ''));
        // No response: msw falls through to the oauth server's own handler.
      }),
    );
    // Two independent clients: separate tokenAuth instances, separate store objects, one localStorage.
    const make = () => compose([errors(), tokenAuth(provider(), { store: webStorageStore(localStorage, { prefix }), key: 'shared', origins: [origin] })]);
    const a = make();
    const b = make();
    const statuses = await Promise.all([a(`${api}/items/a1`), b(`${api}/items/b1`), a(`${api}/items/a2`), b(`${api}/items/b2`)].map((p) => p.then((r) => r.status)));

    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(oauth.stats.tokenCalls).toBe(1);
    expect(heldDuringTokenCall).toEqual([['sluice-auth:shared']]);
  });

  it('refreshes twice without a shared lock (the control for the test above)', async () => {
    const { oauth, provider, expiredToken } = setup({ tokenDelayMs: 50 });
    const prefix = freshPrefix();
    await webStorageStore(localStorage, { prefix }).set('shared', await expiredToken());
    const noLock: TokenLock = { run: (_name, task) => task() };
    const make = () => compose([errors(), tokenAuth(provider(), { store: webStorageStore(localStorage, { prefix }), key: 'shared', lock: noLock, origins: [origin] })]);
    const [a, b] = [make(), make()];
    await Promise.all([a(`${api}/items/a`), b(`${api}/items/b`)]);
    expect(oauth.stats.tokenCalls).toBe(2);
  });

  it('webLocksLock runs tasks of one name one at a time', async () => {
    const lock = webLocksLock();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = lock.run('browser-test-lock', async () => {
      order.push('first:start');
      await gate;
      order.push('first:end');
      return 1;
    });
    const second = lock.run('browser-test-lock', async () => {
      order.push('second');
      return 2;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual(['first:start']);
    release();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(order).toEqual(['first:start', 'first:end', 'second']);
  });
});

describe('origin scoping in the browser', () => {
  /** Records what left the pipeline, right before the terminal fetch. */
  const spy = () => {
    const sent: Array<{ url: string; authorization: string | null; key: string | null }> = [];
    const middleware: Middleware = {
      name: 'spy',
      handle(request, _context, next) {
        sent.push({ url: request.url, authorization: request.headers.get('authorization'), key: request.headers.get('x-api-key') });
        return next(request);
      },
    };
    return { sent, middleware };
  };

  /** What the service worker saw, per origin. */
  const wire = () => {
    const seen: Array<{ url: string; authorization: string | null; key: string | null }> = [];
    const record = ({ request }: { request: Request }) => {
      seen.push({ url: request.url, authorization: request.headers.get('authorization'), key: request.headers.get('x-api-key') });
      return HttpResponse.json({ ok: true });
    };
    worker.use(http.get(`${api}/scoped`, record), http.get(`${foreign}/scoped`, record));
    return seen;
  };

  it('sends a bearer token to its own origin only (the cross-origin request goes through the service worker)', async () => {
    const seen = wire();
    const { sent, middleware } = spy();
    const pipeline = compose([errors(), bearer('page-token', { origins: [origin] }), middleware]);

    expect((await pipeline(`${api}/scoped`)).status).toBe(200);
    expect((await pipeline(`${foreign}/scoped`)).status).toBe(200);

    expect(sent).toEqual([
      { url: `${api}/scoped`, authorization: 'Bearer page-token', key: null },
      { url: `${foreign}/scoped`, authorization: null, key: null },
    ]);
    expect(seen).toEqual(sent);
  });

  it('sends an API key (header or query) to its own origin only', async () => {
    const seen = wire();
    const { sent, middleware } = spy();
    const header = compose([errors(), apiKey({ header: 'x-api-key', value: 'k-123', origins: [origin] }), middleware]);
    await header(`${api}/scoped`);
    await header(`${foreign}/scoped`);
    expect(sent.map((s) => s.key)).toEqual(['k-123', null]);
    expect(seen.map((s) => s.key)).toEqual(['k-123', null]);

    const query = compose([errors(), apiKey({ query: 'api_key', value: 'q-456', origins: [origin] })]);
    await query(`${api}/scoped`);
    await query(`${foreign}/scoped`);
    expect(seen.slice(2).map((s) => new URL(s.url).searchParams.get('api_key'))).toEqual(['q-456', null]);
  });

  it('refuses an origin list that is not made of URLs, naming the bad entry', () => {
    expect(() => bearer('t', { origins: ['not a url'] })).toThrow(/origins\[0\] is not an absolute URL/);
  });
});
