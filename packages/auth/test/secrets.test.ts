import { createServer, type IncomingMessage } from 'node:http';
import { inspect } from 'node:util';
import {
  apiKey,
  basic,
  bearer,
  clientCredentials,
  createAuthMiddleware,
  refreshTokenGrant,
  type Token,
  type TokenProvider,
  tokenAuth,
} from '@sluice/auth';
import { AuthError, compose, type Middleware, observe, type SluiceEvent } from '@sluice/core';
import { HttpResponse, http, passthrough } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Listening, listen, useServer } from '@sluice/testing/node';

const API = 'https://api.test';
const TOKEN_URL = 'https://auth.test/oauth/token';
const server = useServer({ beforeAll, afterEach, afterAll });
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** A middleware placed inside auth that records what auth put in `context.state.secrets`. */
function secretsSpy() {
  const seen: (string[] | undefined)[] = [];
  const spy: Middleware = {
    name: 'spy',
    handle(request, context, next) {
      seen.push(context.state.secrets ? [...context.state.secrets] : undefined);
      return next(request);
    },
  };
  return { spy, seen };
}

function everywhere(error: unknown): string {
  const e = error as Error;
  return [e.message, String(e), inspect(e, { depth: 10 }), JSON.stringify(e)].join('\n');
}

describe('token endpoint errors never show the client secret (bug 2)', () => {
  const SECRET = 'Sup3r-s3cret/v@lue';
  const basicValue = Buffer.from(`svc:${encodeURIComponent(SECRET).replace(/%20/g, '+')}`).toString('base64');

  it('client_secret_basic: an error_description echoing id:secret and the Basic header is redacted in message, body, inspect and events', async () => {
    let sentAuthorization = '';
    server.use(
      http.post(TOKEN_URL, ({ request }) => {
        sentAuthorization = request.headers.get('authorization') ?? '';
        return HttpResponse.json(
          { error: 'invalid_client', error_description: `bad credentials svc:${SECRET} from header ${sentAuthorization}` },
          { status: 401 },
        );
      }),
    );
    const events: SluiceEvent[] = [];
    const provider = clientCredentials({ tokenUrl: TOKEN_URL, clientId: 'svc', clientSecret: SECRET, authMethod: 'client_secret_basic' });
    const pipeline = compose([observe({ onEvent: (event) => events.push(event) }), tokenAuth(provider, { origins: [API] })]);
    const error = await pipeline(`${API}/items`).catch((e: unknown) => e);

    expect(sentAuthorization).toBe(`Basic ${basicValue}`);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).status).toBe(401);
    expect((error as AuthError).message).toMatch(/answered 401.*invalid_client \(bad credentials svc:\[REDACTED\] from header \[REDACTED\]\)/);
    const text = `${everywhere(error)}\n${(error as AuthError).body}\n${inspect(events, { depth: 10 })}`;
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(basicValue);
    expect(events.some((event) => event.type === 'error')).toBe(true);
  });

  it('client_secret_post: a secret echoed raw, form-encoded or JSON-escaped is redacted', async () => {
    const secret = 'a "quoted" s3cret&more';
    server.use(
      http.post(TOKEN_URL, async ({ request }) => {
        const form = await request.text();
        return HttpResponse.json({ error: 'invalid_client', error_description: `got ${form} / ${secret}`, nested: [{ echo: secret }] }, { status: 400 });
      }),
    );
    const provider = clientCredentials({ tokenUrl: TOKEN_URL, clientId: 'svc', clientSecret: secret, authMethod: 'client_secret_post' });
    const error = (await compose([tokenAuth(provider, { origins: [API] })])(`${API}/items`).catch((e: unknown) => e)) as AuthError;
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain('client_secret=[REDACTED]');
    const text = `${everywhere(error)}\n${error.body}`;
    for (const form of [secret, encodeURIComponent(secret), new URLSearchParams({ v: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1)]) {
      expect(text).not.toContain(form);
    }
  });

  it('refreshTokenGrant: an echoed refresh token is redacted from the message', async () => {
    server.use(
      http.post(TOKEN_URL, () => HttpResponse.json({ error: 'invalid_grant', error_description: 'refresh token rt-very-secret-1 is revoked' }, { status: 400 })),
    );
    const provider = refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId: 'app', refreshToken: 'rt-very-secret-1' });
    const error = (await compose([tokenAuth(provider, { origins: [API] })])(`${API}/items`).catch((e: unknown) => e)) as AuthError;
    expect(error.message).toMatch(/invalid_grant \(refresh token \[REDACTED\] is revoked\)/);
    expect(everywhere(error)).not.toContain('rt-very-secret-1');
  });
});

describe('auth adds the credentials it attaches to context.state.secrets (bug 3)', () => {
  const ok = () => server.use(http.all(`${API}/*`, () => HttpResponse.json({})), http.all('https://other.test/*', () => HttpResponse.json({})));

  it('bearer: the token and the header value', async () => {
    ok();
    const { spy, seen } = secretsSpy();
    await compose([bearer(async () => 'bearer-token-1', { origins: [API] }), spy])(`${API}/me`);
    expect(seen).toEqual([['bearer-token-1', 'Bearer bearer-token-1']]);
  });

  it('basic: the password, the base64 and the header value', async () => {
    ok();
    const { spy, seen } = secretsSpy();
    await compose([basic('user', 'pa55word', { origins: [API] }), spy])(`${API}/me`);
    const encoded = Buffer.from('user:pa55word').toString('base64');
    expect(seen[0]).toEqual(expect.arrayContaining(['pa55word', encoded, `Basic ${encoded}`]));
  });

  it('apiKey: the key, in a header or in the query', async () => {
    ok();
    const { spy, seen } = secretsSpy();
    await compose([apiKey({ header: 'x-api-key', value: 'key/with space', origins: [API] }), spy])(`${API}/me`);
    await compose([apiKey({ query: 'api_key', value: 'query-key-1', origins: [API] }), spy])(`${API}/me`);
    expect(seen[0]).toEqual(expect.arrayContaining(['key/with space', 'key%2Fwith%20space', 'key%2Fwith+space']));
    expect(seen[1]).toEqual(['query-key-1']);
  });

  it('tokenAuth: the access token and header value, the new one too after a refresh and replay', async () => {
    let issued = 0;
    const provider: TokenProvider = { getToken: () => ({ accessToken: `tok-${++issued}-abc` }), refresh: () => ({ accessToken: `tok-${++issued}-abc` }) };
    server.use(http.get(`${API}/me`, ({ request }) => (request.headers.get('authorization') === 'Bearer tok-2-abc' ? HttpResponse.json({}) : new HttpResponse(null, { status: 401 }))));
    const { spy, seen } = secretsSpy();
    expect((await compose([tokenAuth(provider, { origins: [API] }), spy])(`${API}/me`)).status).toBe(200);
    expect(seen[1]).toEqual(['tok-1-abc', 'Bearer tok-1-abc', 'tok-2-abc', 'Bearer tok-2-abc']);
  });

  it('a custom scheme: the values of its secret headers and query parameters', async () => {
    ok();
    const { spy, seen } = secretsSpy();
    const session = createAuthMiddleware(
      {
        secretNames: ['x-session', 'sig'],
        attach({ headers, url }) {
          headers.set('x-session', 'session-value');
          url.searchParams.set('sig', 'signature-value');
        },
      },
      { origins: [API] },
    );
    await compose([session, spy])(`${API}/me`);
    expect(seen[0]).toEqual(['session-value', 'signature-value']);
  });

  it('adds nothing for an origin out of scope, or with auth: false', async () => {
    ok();
    const { spy, seen } = secretsSpy();
    const pipeline = compose([bearer('bearer-token-1', { origins: [API] }), spy]);
    await pipeline('https://other.test/x');
    await pipeline(`${API}/me`, { auth: false });
    expect(seen).toEqual([undefined, undefined]);
  });
});

describe('a refresh nobody waits for any more is aborted (bug 6)', () => {
  it('the last waiter aborting aborts the token call and clears its timer; the next request refreshes again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const clearTimeoutSpy = vi.spyOn(globalThis, 'clearTimeout');
    const signals: AbortSignal[] = [];
    let answer = false;
    let reached: () => void = () => {};
    const called = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const provider: TokenProvider = {
      getToken(context) {
        signals.push(context.signal);
        reached();
        if (answer) return { accessToken: 'fresh-token' };
        return new Promise<Token>((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason)));
      },
    };
    server.use(http.get(`${API}/x`, () => HttpResponse.json({})));
    const auth = tokenAuth(provider, { origins: [API], tokenTimeoutMs: 30_000 });
    const pipeline = compose([auth]);
    const controller = new AbortController();
    const outcome = pipeline(`${API}/x`, { signal: controller.signal }).catch((e: unknown) => e);
    await called;
    const tokenTimer = setTimeoutSpy.mock.results[setTimeoutSpy.mock.calls.findIndex((args) => args[1] === 30_000)]?.value as unknown;
    expect(tokenTimer).toBeDefined(); // the token call's own 30 s timeout
    controller.abort();
    const error = await outcome;
    expect((error as DOMException).name).toBe('AbortError');
    expect(signals[0]?.aborted).toBe(true);
    await new Promise((resolve) => setImmediate(resolve)); // let the abandoned refresh settle
    expect(clearTimeoutSpy).toHaveBeenCalledWith(tokenTimer);
    expect(String((signals[0]?.reason as Error | undefined)?.message)).toMatch(/abandoned/);

    answer = true;
    vi.useRealTimers();
    expect((await pipeline(`${API}/x`)).status).toBe(200);
    expect(auth.stats().tokenCalls).toBe(2);
  });

  it('the refresh goes on while another request still waits for it', async () => {
    let release: (token: Token) => void = () => {};
    let signal: AbortSignal | undefined;
    const provider: TokenProvider = {
      getToken(context) {
        signal = context.signal;
        return new Promise<Token>((resolve) => {
          release = resolve;
        });
      },
    };
    server.use(http.get(`${API}/x`, () => HttpResponse.json({})));
    const pipeline = compose([tokenAuth(provider, { origins: [API] })]);
    const leaver = new AbortController();
    const first = pipeline(`${API}/x`, { signal: leaver.signal }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(signal).toBeDefined());
    const second = pipeline(`${API}/x`);
    leaver.abort();
    expect(((await first) as DOMException).name).toBe('AbortError');
    expect(signal?.aborted).toBe(false);
    release({ accessToken: 'shared-token' });
    expect((await second).status).toBe(200);
  });

  describe('with a real token endpoint that hangs', () => {
    let tokenServer: Listening;
    let received: Promise<IncomingMessage>;
    let closed: Promise<void>;
    beforeAll(async () => {
      let onRequest: (request: IncomingMessage) => void = () => {};
      received = new Promise((resolve) => {
        onRequest = resolve;
      });
      let onClose: () => void = () => {};
      closed = new Promise((resolve) => {
        onClose = resolve;
      });
      tokenServer = await listen(
        createServer((request, response) => {
          onRequest(request);
          response.on('close', onClose); // never answered: closes only when the client gives up
        }),
      );
    });
    afterAll(() => tokenServer.close());

    it('a caller abort during the token call settles at once and closes the token connection', async () => {
      const tokenUrl = `${tokenServer.url}/token`;
      server.use(http.post(tokenUrl, () => passthrough()));
      const provider = clientCredentials({ tokenUrl, clientId: 'svc', clientSecret: 'secret' });
      const pipeline = compose([tokenAuth(provider, { origins: ['http://127.0.0.1:1'], tokenTimeoutMs: 30_000 })]);
      const controller = new AbortController();
      const outcome = pipeline('http://127.0.0.1:1/x', { signal: controller.signal }).catch((e: unknown) => e);
      await received;
      controller.abort();
      expect(((await outcome) as DOMException).name).toBe('AbortError');
      await closed; // the token request was aborted, not left running on its 30 s timeout
    }, 5_000);
  });
});
