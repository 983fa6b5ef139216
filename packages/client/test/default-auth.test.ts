import { createServer } from 'node:http';
import { bearer, clientCredentials, createAuthMiddleware, tokenAuth } from '@sluice/auth';
import { cache } from '@sluice/cache';
import { dedupe, type Middleware, SluiceError } from '@sluice/core';
import { type Listening, listen } from '@sluice/testing/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../src/index.js';

/*
 * The `auth` slot of a client given no auth (defaultAuth): no credentials of its own, a
 * per-request `auth` applied as noAuth() applies it (Atlan's application SDK passes auth
 * per call), and dedupe()/cache() told that it sends none.
 */

let api: Listening;
let other: Listening;
/** What each server saw: path and Authorization header. */
let seen: Array<{ server: 'api' | 'other'; path: string; authorization: string | null }> = [];
let held: Array<() => void> = [];
let holding = false;

function handler(name: 'api' | 'other') {
  return createServer((req, res) => {
    const authorization = req.headers.authorization ?? null;
    seen.push({ server: name, path: req.url ?? '', authorization });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'private, max-age=60', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/token') return send(200, { access_token: 'from-token-url', token_type: 'Bearer', expires_in: 3600 });
    if (req.url === '/guarded' && authorization !== 'Bearer t2') return send(401, { error: 'expired' });
    if (req.url === '/hop') return send(302, {}, { location: `${other.url}/me` });
    const answer = () => send(200, { me: authorization ?? 'nobody' });
    if (holding) held.push(answer);
    else answer();
  });
}

beforeAll(async () => {
  api = await listen(handler('api'));
  other = await listen(handler('other'));
});
afterAll(async () => {
  await api.close();
  await other.close();
});
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

describe("a client without auth: the 'auth' slot", () => {
  it("is named 'auth', takes a middleware placed before it, and passes a request without auth on untouched", async () => {
    const met: Request[] = [];
    const record = (name: string): Middleware => ({
      name,
      handle: (request, _context, next) => {
        met.push(request);
        return next(request);
      },
    });
    const client = createClient({
      baseUrl: api.url,
      middleware: [
        { middleware: record('outside'), before: 'auth' },
        { middleware: record('inside'), after: 'auth' },
      ],
    });
    const names = client.stack.names();
    expect(names.slice(names.indexOf('auth') - 1, names.indexOf('auth') + 2)).toEqual(['outside', 'auth', 'inside']);
    expect(await client.get('me').json()).toEqual({ me: 'nobody' });
    expect(met).toHaveLength(2);
    expect(met[1]).toBe(met[0]);
  });

  it('applies a per-request auth once: its origins, else the request origin (another server too)', async () => {
    let attached = 0;
    const counting = createAuthMiddleware({
      attach: ({ headers }) => {
        attached++;
        headers.set('authorization', 'Counted once');
      },
    });
    const client = createClient({ baseUrl: api.url });
    await client.get('me', { auth: counting });
    expect(attached).toBe(1);
    await client.get(`${other.url}/me`, { auth: bearer('to-the-request-origin') });
    await client.get(`${other.url}/me`, { auth: bearer('scoped', { origins: [api.url] }) });
    await client.get('me', { auth: false });
    expect(seen.map(({ server, authorization }) => [server, authorization])).toEqual([
      ['api', 'Counted once'],
      ['other', 'Bearer to-the-request-origin'],
      ['other', null],
      ['api', null],
    ]);
  });

  it("gets a per-request tokenAuth's token through the client's terminal fetch, and refreshes it on a 401", async () => {
    const fetched: string[] = [];
    const client = createClient({
      baseUrl: api.url,
      retry: false,
      fetch: (input: Request | string | URL, init?: RequestInit) => {
        fetched.push(input instanceof Request ? input.url : String(input));
        return fetch(input, init);
      },
    });
    const oauth = tokenAuth(clientCredentials({ tokenUrl: `${api.url}/token`, clientId: 'svc', clientSecret: 'secret' }));
    expect(await client.get('me', { auth: oauth }).json()).toEqual({ me: 'Bearer from-token-url' });
    expect(fetched).toEqual([`${api.url}/token`, `${api.url}/me`]);

    let issued = 0;
    const rotating = tokenAuth({ getToken: () => ({ accessToken: `t${++issued}` }) });
    expect(await client.get('guarded', { auth: rotating }).json()).toEqual({ me: 'Bearer t2' });
    expect(seen.filter(({ path }) => path === '/guarded').map(({ authorization }) => authorization)).toEqual(['Bearer t1', 'Bearer t2']);
  });

  it('follows a redirect to another origin without the per-request credentials', async () => {
    const client = createClient({ baseUrl: api.url });
    expect(await client.get('hop', { auth: bearer('home-only') }).json()).toEqual({ me: 'nobody' });
    expect(seen.map(({ server, authorization }) => [server, authorization])).toEqual([
      ['api', 'Bearer home-only'],
      ['other', null],
    ]);
  });

  it('refuses a bad per-request auth with the plain TypeError, not a SluiceError, sending nothing', async () => {
    const client = createClient({ baseUrl: api.url });
    const error = await client.get('me', { auth: 'x' as never }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(SluiceError);
    expect((error as Error).message).toMatch(/The "auth" request option must be false or an auth middleware/);
    expect(seen).toHaveLength(0);
  });
});

describe('a client without auth, with dedupe() and cache()', () => {
  it('dedupe(): different per-request tokens split, the same token shares, `auth: false` shares with no auth', async () => {
    const client = createClient({ baseUrl: api.url, middleware: [{ middleware: dedupe(), before: 'timeout.total' }] });
    holding = true;
    const calls = Promise.all([
      client.get('me', { auth: bearer('alice') }).json(),
      client.get('me', { auth: bearer('bob') }).json(),
      client.get('me', { auth: bearer('alice') }).json(),
    ]);
    await waitFor(() => held.length === 2);
    for (const release of held.splice(0)) release();
    expect(await calls).toEqual([{ me: 'Bearer alice' }, { me: 'Bearer bob' }, { me: 'Bearer alice' }]);

    seen = [];
    const anonymous = Promise.all([client.get('me').json(), client.get('me', { auth: false }).json()]);
    await waitFor(() => held.length === 1);
    for (const release of held.splice(0)) release();
    expect(await anonymous).toEqual([{ me: 'nobody' }, { me: 'nobody' }]);
    expect(seen).toHaveLength(1);
  });

  it('cache(): each per-request token its own entry; no auth and `auth: false` one entry', async () => {
    const client = createClient({ baseUrl: api.url, middleware: [{ middleware: cache(), before: 'timeout.total' }] });
    expect(await client.get('me', { auth: bearer('alice') }).json()).toEqual({ me: 'Bearer alice' });
    expect(await client.get('me', { auth: bearer('bob') }).json()).toEqual({ me: 'Bearer bob' });
    expect(await client.get('me', { auth: bearer('alice') }).json()).toEqual({ me: 'Bearer alice' });
    expect(await client.get('me').json()).toEqual({ me: 'nobody' });
    expect(await client.get('me', { auth: false }).json()).toEqual({ me: 'nobody' });
    expect(seen.map(({ authorization }) => authorization)).toEqual(['Bearer alice', 'Bearer bob', null]);
  });
});
