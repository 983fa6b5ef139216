import { oauthServer } from '@sluice/testing';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useServer } from '@sluice/testing/node';

const API = 'https://api.test';
const server = useServer({ beforeAll, afterEach, afterAll });
afterEach(() => {
  vi.useRealTimers();
});

const CLIENT = { clientId: 'svc', clientSecret: 's' };
const tokenRequest = (oauth: ReturnType<typeof oauthServer>, signal?: AbortSignal) =>
  fetch(oauth.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa('svc:s')}` },
    body: 'grant_type=client_credentials',
    ...(signal ? { signal } : {}),
  });

function guarded(options: Partial<Parameters<typeof oauthServer>[0]> = {}) {
  const oauth = oauthServer({ clients: [CLIENT], ...options });
  server.use(...oauth.handlers, http.get(`${API}/items`, oauth.guard(() => HttpResponse.json([1]))));
  const status = async (accessToken: string) => (await fetch(`${API}/items`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
  return { oauth, status };
}

describe('oauthServer tokenDelayMs', () => {
  it('must be a finite number >= 0', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
      expect(() => oauthServer({ clients: [CLIENT], tokenDelayMs: bad })).toThrow(
        new TypeError(`oauthServer(options): "tokenDelayMs" must be a finite number >= 0, got ${String(bad)}.`),
      );
    }
    expect(() => oauthServer({ clients: [CLIENT], tokenDelayMs: 0 })).not.toThrow();
  });

  it('delays the answer on a timer that fake timers control', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const oauth = oauthServer({ clients: [CLIENT], tokenDelayMs: 5_000 });
    server.use(...oauth.handlers);
    let settled = false;
    const pending = tokenRequest(oauth).finally(() => {
      settled = true;
    });
    await vi.waitFor(() => expect(oauth.stats.tokenCalls).toBe(1));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await pending).status).toBe(200);
    expect(oauth.stats).toMatchObject({ tokenCalls: 1, issued: 1 });
  });

  it('ends its wait at once when the request is aborted', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const oauth = oauthServer({ clients: [CLIENT], tokenDelayMs: 60_000 });
    server.use(...oauth.handlers);
    const controller = new AbortController();
    const pending = tokenRequest(oauth, controller.signal);
    // The server holds the request on its delay timer.
    await vi.waitFor(() => expect(oauth.stats.tokenCalls).toBe(1));
    const timers = vi.getTimerCount();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    // The delay timer is cleared without advancing time, and no token is ever minted.
    await vi.waitFor(() => expect(vi.getTimerCount()).toBe(timers - 1));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(oauth.stats).toMatchObject({ tokenCalls: 1, issued: 0 });
  });
});

describe('oauthServer revocations and reset()', () => {
  it('with revokeOnIssue, a new token revokes all the client’s older ones', async () => {
    const { oauth, status } = guarded({ revokeOnIssue: true, clients: [CLIENT, { clientId: 'other', clientSecret: 'o' }] });
    const a = await oauth.issueToken('svc');
    const other = await oauth.issueToken('other');
    const b = await oauth.issueToken('svc');
    const c = await oauth.issueToken('svc');
    expect([await status(a), await status(b), await status(c), await status(other)]).toEqual([401, 401, 200, 200]);
  });

  it('reset() forgets revocations (revokeOnIssue ones too), counters and pending failures', async () => {
    const { oauth, status } = guarded({ revokeOnIssue: true });
    const a = await oauth.issueToken('svc');
    const b = await oauth.issueToken('svc');
    oauth.revoke(b);
    oauth.failNext(2, 503);
    expect([await status(a), await status(b)]).toEqual([401, 401]);

    oauth.reset();
    expect(oauth.stats).toEqual({ tokenCalls: 0, issued: 0, rejected: 0, accepted: 0 });
    expect([await status(a), await status(b)]).toEqual([200, 200]);
    expect((await tokenRequest(oauth)).status).toBe(200);

    // revokeOnIssue still works after reset: the new token revokes both older ones.
    const c = await oauth.issueToken('svc');
    expect([await status(a), await status(b), await status(c)]).toEqual([401, 401, 200]);
  });

  it('reset() after revoke() with no argument makes the old tokens valid again', async () => {
    const { oauth, status } = guarded();
    const a = await oauth.issueToken('svc');
    oauth.revoke();
    expect(await status(a)).toBe(401);
    oauth.reset();
    expect(await status(a)).toBe(200);
  });
});

describe('oauthServer input checks', () => {
  it('failNext(count, status) wants an integer status from 100 to 599', async () => {
    const oauth = oauthServer({ clients: [CLIENT] });
    server.use(...oauth.handlers);
    for (const bad of [99, 600, 503.5, Number.NaN, '503' as unknown as number]) {
      expect(() => oauth.failNext(1, bad)).toThrow(new TypeError(`oauthServer.failNext: status must be an integer from 100 to 599, got ${String(bad)}.`));
    }
    // A rejected call arms nothing.
    expect((await tokenRequest(oauth)).status).toBe(200);
    oauth.failNext(1, 429);
    expect((await tokenRequest(oauth)).status).toBe(429);
  });

  it('a client’s authMethods must name known methods (checked at creation)', () => {
    expect(() => oauthServer({ clients: [{ clientId: 'svc', clientSecret: 's', authMethods: ['client_secret_jwt' as never] }] })).toThrow(
      new TypeError(
        `oauthServer(options): client "svc" "authMethods" must be an array of 'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none', got ["client_secret_jwt"].`,
      ),
    );
    expect(() => oauthServer({ clients: [{ clientId: 'svc', authMethods: 'none' as never }] })).toThrow(/client "svc" "authMethods" must be an array/);
  });

  it('authMethods restricts how a client may authenticate', async () => {
    const oauth = oauthServer({ clients: [{ ...CLIENT, authMethods: ['client_secret_post'] }] });
    server.use(...oauth.handlers);
    expect((await tokenRequest(oauth)).status).toBe(401);
    const post = await fetch(oauth.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=svc&client_secret=s',
    });
    expect(post.status).toBe(200);
  });
});
