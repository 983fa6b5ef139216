import { clientCredentials, staticToken, type Token, type TokenProvider, tokenAuth } from '@sluice/auth';
import { AuthError, compose, errors, type Middleware, UnauthorizedError } from '@sluice/core';
import { oauthServer } from '@sluice/testing';
import { SignJWT } from 'jose';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useServer } from '@sluice/testing/node';

const API = 'https://api.test';
const server = useServer({ beforeAll, afterEach, afterAll });
afterEach(() => {
  vi.useRealTimers();
});

function setup(serverOptions: Partial<Parameters<typeof oauthServer>[0]> = {}, authOptions: Parameters<typeof tokenAuth>[1] = {}) {
  const oauth = oauthServer({ clients: [{ clientId: 'svc', clientSecret: 'secret', scopes: ['read', 'admin'] }], ...serverOptions });
  server.use(
    ...oauth.handlers,
    http.get(`${API}/items`, oauth.guard(() => HttpResponse.json({ ok: true }))),
    http.get(`${API}/admin`, oauth.guard(() => HttpResponse.json({ ok: true }), { scope: 'admin' })),
  );
  const auth = tokenAuth(clientCredentials({ tokenUrl: oauth.tokenUrl, clientId: 'svc', clientSecret: 'secret', scope: 'read' }), {
    origins: [API],
    ...authOptions,
  });
  return { oauth, auth, pipeline: compose([auth]) };
}

async function jwt(expSeconds: number): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(expSeconds).sign(new Uint8Array(32));
}

describe('tokenAuth: caching and expiry', () => {
  it('fetches one token and reuses it until expiresAt minus the 30 s skew', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { oauth, pipeline } = setup({ ttlSeconds: 120 });
    for (let i = 0; i < 5; i++) expect((await pipeline(`${API}/items`)).status).toBe(200);
    expect(oauth.stats.tokenCalls).toBe(1);
    vi.advanceTimersByTime(89_000);
    expect((await pipeline(`${API}/items`)).status).toBe(200);
    expect(oauth.stats.tokenCalls).toBe(1);
    vi.advanceTimersByTime(1_000); // now at expiresAt - 30 s
    expect((await pipeline(`${API}/items`)).status).toBe(200);
    expect(oauth.stats.tokenCalls).toBe(2);
    expect(oauth.stats.rejected).toBe(0);
  });

  it('honours a custom skew', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { oauth, pipeline } = setup({ ttlSeconds: 120 }, { skewMs: 0 });
    await pipeline(`${API}/items`);
    vi.advanceTimersByTime(119_000);
    await pipeline(`${API}/items`);
    expect(oauth.stats.tokenCalls).toBe(1);
  });

  it('takes expiresAt from a JWT exp and never fails on an opaque token', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = Math.floor(Date.now() / 1000);
    const tokens = [await jwt(now + 100), 'opaque-token-1', 'opaque-token-2'];
    let calls = 0;
    const seen: string[] = [];
    server.use(
      http.get(`${API}/me`, ({ request }) => {
        seen.push(request.headers.get('authorization') ?? '');
        return HttpResponse.json({});
      }),
    );
    const provider: TokenProvider = { getToken: () => ({ accessToken: tokens[calls++] as string }) };
    const pipeline = compose([tokenAuth(provider, { origins: [API] })]);
    await pipeline(`${API}/me`);
    vi.advanceTimersByTime(69_000);
    await pipeline(`${API}/me`);
    expect(calls).toBe(1);
    vi.advanceTimersByTime(1_000);
    await pipeline(`${API}/me`); // JWT exp - 30 s: refreshed, now opaque
    vi.advanceTimersByTime(10_000_000);
    await pipeline(`${API}/me`); // opaque, no expiry: kept
    expect(calls).toBe(2);
    expect(seen.slice(-2)).toEqual(['Bearer opaque-token-1', 'Bearer opaque-token-1']);
  });

  it('checks its options', () => {
    expect(() => tokenAuth({} as TokenProvider)).toThrow(/provider must have a getToken\(\) function/);
    expect(() => tokenAuth(staticToken('x'), { skewMs: -1 })).toThrow(/"skewMs" must be a finite number ≥ 0/);
    expect(() => tokenAuth(staticToken('x'), { key: '' })).toThrow(/"key" must be a non-empty string/);
    const noDelete = { get: async () => undefined, set: async () => {} };
    expect(() => tokenAuth(staticToken('x'), { store: noDelete as never })).toThrow(/"store" must have get, set and delete/);
    expect(() => staticToken('')).toThrow(/staticToken\(token\): token must be a non-empty string/);
  });
});

describe('tokenAuth: 401 handling', () => {
  it('refreshes and replays once on 401 invalid_token (expired token), with the new token', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { oauth, pipeline } = setup({ ttlSeconds: 60 }, { skewMs: 0 });
    await pipeline(`${API}/items`);
    vi.advanceTimersByTime(61_000);
    const response = await pipeline(`${API}/items`, { method: 'GET' });
    expect(response.status).toBe(200);
    expect(oauth.stats.tokenCalls).toBe(2);
  });

  it('replays a POST body intact after the refresh', async () => {
    const oauth = oauthServer({ clients: [{ clientId: 'svc', clientSecret: 'secret' }] });
    const bodies: string[] = [];
    server.use(
      ...oauth.handlers,
      http.post(
        `${API}/items`,
        oauth.guard(async ({ request }) => {
          bodies.push(await request.text());
          return HttpResponse.json({}, { status: 201 });
        }),
      ),
    );
    const pipeline = compose([tokenAuth(clientCredentials({ tokenUrl: oauth.tokenUrl, clientId: 'svc', clientSecret: 'secret' }), { origins: [API] })]);
    await pipeline(`${API}/items`, { method: 'POST', body: 'first' });
    oauth.revoke();
    const response = await pipeline(`${API}/items`, { method: 'POST', body: JSON.stringify({ name: 'x' }), headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(201);
    expect(bodies).toEqual(['first', '{"name":"x"}']);
    expect(oauth.stats.tokenCalls).toBe(2);
  });

  it('refreshes on a 401 with no challenge, but not on insufficient_scope or a 403', async () => {
    let status = 401;
    let challenge: string | undefined;
    server.use(http.get(`${API}/x`, () => new Response(null, { status, headers: challenge ? { 'www-authenticate': challenge } : {} })));
    let calls = 0;
    const provider: TokenProvider = { getToken: () => ({ accessToken: `t${++calls}` }) };
    const pipeline = compose([errors({ throwHttpErrors: false }), tokenAuth(provider, { origins: [API] })]);
    await expect(pipeline(`${API}/x`)).rejects.toThrow(UnauthorizedError);
    expect(calls).toBe(2); // first token + one refresh, then the replay's 401 is final

    calls = 0;
    const p2 = compose([tokenAuth(provider, { origins: [API] })]);
    challenge = 'Bearer error="insufficient_scope", scope="admin"';
    expect((await p2(`${API}/x`)).status).toBe(401);
    expect(calls).toBe(1);
    challenge = 'Basic realm="x"';
    expect((await p2(`${API}/x`)).status).toBe(401);
    status = 403;
    challenge = 'Bearer error="insufficient_scope"';
    expect((await p2(`${API}/x`)).status).toBe(403);
    expect(calls).toBe(1);
  });

  it('a 403 insufficient_scope from the OAuth server is passed through with no refresh', async () => {
    const { oauth, pipeline } = setup();
    expect((await pipeline(`${API}/admin`)).status).toBe(403);
    expect(oauth.stats.tokenCalls).toBe(1);
  });

  it('the second 401 after the replay is an UnauthorizedError, never a loop', async () => {
    let hits = 0;
    server.use(
      http.get(`${API}/x`, () => {
        hits++;
        return new Response('{"error":"invalid_token"}', { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
      }),
    );
    let calls = 0;
    const pipeline = compose([tokenAuth({ getToken: () => ({ accessToken: `tok-${++calls}` }) }, { origins: [API] })]);
    const error = await pipeline(`${API}/x`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).message).toMatch(/still 401 after a token refresh and one replay/);
    expect(JSON.stringify(error)).not.toContain('tok-');
    expect(hits).toBe(2);
    expect(calls).toBe(2);
  });

  it('staticToken is never refreshed: a 401 is an UnauthorizedError', async () => {
    let hits = 0;
    server.use(
      http.get(`${API}/x`, () => {
        hits++;
        return new Response(null, { status: 401 });
      }),
    );
    const pipeline = compose([tokenAuth(staticToken('byo-token-value'), { origins: [API] })]);
    const error = await pipeline(`${API}/x`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as Error).message).toMatch(/a static token is never refreshed/);
    expect(hits).toBe(1);
  });

  it('does not replay a one-shot stream body, and says so', async () => {
    server.use(http.put(`${API}/x`, () => new Response(null, { status: 401 })));
    let calls = 0;
    const pipeline = compose([tokenAuth({ getToken: () => ({ accessToken: `t${++calls}` }) }, { origins: [API] })]);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data'));
        controller.close();
      },
    });
    const error = await pipeline(`${API}/x`, { method: 'PUT', body }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as Error).message).toMatch(/not replayed after a token refresh: its body is a one-shot stream/);
  });

  it('the refresh does not count as an attempt: outer middlewares see one call', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { oauth, auth } = setup({ ttlSeconds: 60 }, { skewMs: 0 });
    let outerCalls = 0;
    const attempts: number[] = [];
    const counter: Middleware = {
      name: 'counter',
      async handle(request, context, next) {
        outerCalls++;
        const response = await next(request);
        attempts.push(context.attempt);
        return response;
      },
    };
    const pipeline = compose([counter, auth]);
    await pipeline(`${API}/items`);
    vi.advanceTimersByTime(61_000);
    expect((await pipeline(`${API}/items`)).status).toBe(200);
    expect(outerCalls).toBe(2);
    expect(attempts).toEqual([1, 1]);
    expect(oauth.stats.tokenCalls).toBe(2);
  });
});

describe('tokenAuth: single flight', () => {
  it('200 concurrent requests with an expired token: 1 token call, 0 failures', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { oauth, auth, pipeline } = setup({ ttlSeconds: 60 }, { skewMs: 0 });
    await pipeline(`${API}/items`);
    vi.advanceTimersByTime(61_000); // the cached token is now expired at the server and locally
    oauth.reset();
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => pipeline(`${API}/items`)));
    expect(results.filter((r) => r.status === 'rejected' || r.value.status !== 200)).toHaveLength(0);
    expect(oauth.stats.tokenCalls).toBe(1);
    expect(auth.stats().tokenCalls).toBe(2);
  });

  it('a token rotated mid-flight (each new token revokes the old one): 1 token call in total, 0 failures', async () => {
    const { oauth, pipeline } = setup({ revokeOnIssue: true });
    await pipeline(`${API}/items`); // token A
    oauth.reset(); // count from here (reset also clears revocations, so it comes before the rotation)
    const other = await oauth.issueToken('svc'); // another party rotates: A is revoked while we hold it
    expect(other).toBeTruthy();
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => pipeline(`${API}/items`)));
    expect(results.filter((r) => r.status === 'rejected' || r.value.status !== 200)).toHaveLength(0);
    expect(oauth.stats.tokenCalls).toBe(1);
    expect(oauth.stats.rejected).toBe(200); // every in-flight request got one 401 …
    expect(oauth.stats.accepted).toBe(200); // … and one successful replay
  });

  it('a 401 for a token that was already replaced replays with the current token, with no refresh', async () => {
    let current = 'A';
    let calls = 0;
    const seen: string[] = [];
    let releaseFirst: () => void = () => {};
    const firstHeld = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    server.use(
      http.get(`${API}/x`, async ({ request }) => {
        const header = request.headers.get('authorization') ?? '';
        seen.push(header);
        if (header === 'Bearer A' && seen.length === 1) await firstHeld;
        return header === `Bearer ${current}` ? HttpResponse.json({}) : new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
      }),
    );
    const provider: TokenProvider = {
      getToken: () => ({ accessToken: 'A' }),
      refresh: () => {
        calls++;
        current = 'B';
        return { accessToken: 'B' };
      },
    };
    const pipeline = compose([tokenAuth(provider, { origins: [API] })]);
    const slow = pipeline(`${API}/x`); // sent with A, held by the server
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    current = 'X'; // A is now rejected
    const fast = await pipeline(`${API}/x`); // 401 with A → refresh → B
    expect(fast.status).toBe(200);
    releaseFirst(); // the held request now gets its 401 for A, which was already replaced
    expect((await slow).status).toBe(200);
    expect(calls).toBe(1);
    expect(seen).toEqual(['Bearer A', 'Bearer A', 'Bearer B', 'Bearer B']);
  });

  it('requests that start during a refresh wait for it instead of sending the stale token', async () => {
    let release: (token: Token) => void = () => {};
    let calls = 0;
    const provider: TokenProvider = {
      getToken: () => ({ accessToken: 'old', expiresAt: Date.now() - 1 }),
      refresh: () => {
        calls++;
        return new Promise<Token>((resolve) => {
          release = resolve;
        });
      },
    };
    const seen: string[] = [];
    server.use(
      http.get(`${API}/x`, ({ request }) => {
        seen.push(request.headers.get('authorization') ?? '');
        return HttpResponse.json({});
      }),
    );
    const pipeline = compose([tokenAuth(provider, { origins: [API] })]);
    await pipeline(`${API}/x`); // 'old', already expired: used once, refresh due next time
    const during = [pipeline(`${API}/x`), pipeline(`${API}/x`)];
    await vi.waitFor(() => expect(calls).toBe(1));
    const late = pipeline(`${API}/x`);
    release({ accessToken: 'new' });
    await Promise.all([...during, late]);
    expect(seen).toEqual(['Bearer old', 'Bearer new', 'Bearer new', 'Bearer new']);
    expect(calls).toBe(1);
  });
});

describe('tokenAuth: token endpoint failures', () => {
  it('gives every waiter the AuthError with status and a redacted body; the next request tries again', async () => {
    const { oauth, pipeline } = setup();
    oauth.failNext(1, 503, { error: 'temporarily_unavailable', access_token: 'leaked-token-value', client_secret: 'secret' });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => pipeline(`${API}/items`)));
    expect(oauth.stats.tokenCalls).toBe(1);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as AuthError;
      expect(error).toBeInstanceOf(AuthError);
      expect(error.status).toBe(503);
      expect(error.message).toMatch(/answered 503.*temporarily_unavailable/);
      expect(error.body).toContain('[REDACTED]');
      expect(JSON.stringify(error)).not.toContain('leaked-token-value');
    }
    expect((await pipeline(`${API}/items`)).status).toBe(200);
    expect(oauth.stats.tokenCalls).toBe(2);
  });

  it('scrubs the client secret from a non-JSON error body', async () => {
    const { oauth, pipeline } = setup();
    oauth.failNext(1, 400, 'client "svc" sent secret');
    const error = (await pipeline(`${API}/items`).catch((e: unknown) => e)) as AuthError;
    expect(error).toBeInstanceOf(AuthError);
    expect(error.status).toBe(400);
    expect(error.body).toBe('"client \\"svc\\" sent [REDACTED]"');
  });

  it('token calls go to the terminal fetch, never through the pipeline', async () => {
    const { oauth, auth } = setup();
    const seenByPipeline: string[] = [];
    const spy: Middleware = {
      name: 'spy',
      handle: (request, _context, next) => {
        seenByPipeline.push(request.url);
        return next(request);
      },
    };
    const terminal = vi.fn((request: Request, init?: RequestInit) => fetch(request, init));
    const pipeline = compose([spy, auth.bind({ fetch: terminal })], { fetch: terminal });
    await pipeline(`${API}/items`);
    expect(seenByPipeline).toEqual([`${API}/items`]);
    expect(terminal.mock.calls.map(([request]) => request.url)).toEqual([oauth.tokenUrl, `${API}/items`]);
  });

  it('a token call that hangs ends with an AuthError after its own timeout', async () => {
    vi.useFakeTimers();
    const provider: TokenProvider = { getToken: () => new Promise<Token>(() => {}) };
    server.use(http.get(`${API}/x`, () => HttpResponse.json({})));
    const pipeline = compose([tokenAuth(provider, { origins: [API], tokenTimeoutMs: 5_000 })]);
    const outcome = pipeline(`${API}/x`).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5_000);
    const error = await outcome;
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toMatch(/did not answer within 5000 ms/);
  });

  it('a caller abort while waiting for a token ends at once with the abort reason', async () => {
    const provider: TokenProvider = { getToken: () => new Promise<Token>(() => {}) };
    const pipeline = compose([tokenAuth(provider, { origins: [API], tokenTimeoutMs: 60_000 })]);
    const controller = new AbortController();
    const outcome = pipeline(`${API}/x`, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    const error = await outcome;
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
  });

  it('a provider returning no accessToken is an AuthError', async () => {
    const pipeline = compose([tokenAuth({ getToken: () => ({}) as Token }, { origins: [API] })]);
    await expect(pipeline(`${API}/x`)).rejects.toThrow(/returned no accessToken/);
  });
});
