import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetworkError, type SluiceEvent, TimeoutError, UnauthorizedError } from '@sluice/core';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { atlanRetry, BaseClient, ClientStateError } from '../src/atlan/base-client.js';
import { cookieJar } from '../src/atlan/cookie-jar.js';
import { DataApiClient } from '../src/atlan/data-api-client.js';
import { verifyFetch } from '../src/atlan/verify.js';
import { type Listening, listen, useServer } from '@sluice/testing/node';

const API = 'https://atlan.test';

/** Settles only when `signal` aborts; for handlers that must hang until the client gives up. */
function untilAborted(signal: AbortSignal): Promise<Response> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(HttpResponse.error()), { once: true }));
}

/** Answers GET `${API}${path}` only when the request is aborted; resolves once the server holds a request. */
function holdUntilAborted(path: string): Promise<void> {
  return new Promise<void>((arrived) => {
    server.use(
      http.get(`${API}${path}`, ({ request }) => {
        arrived();
        return untilAborted(request.signal);
      }),
    );
  });
}

interface Echo {
  method: string;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  contentType: string | null;
  text?: string;
  form?: Array<[string, string | { name: string; type: string; text: string }]>;
}

/** Echoes the request back as JSON. */
const echo = http.all(`${API}/echo`, async ({ request }) => {
  const contentType = request.headers.get('content-type');
  const body: Echo = {
    method: request.method,
    query: [...new URL(request.url).searchParams.entries()],
    headers: Object.fromEntries(request.headers.entries()),
    contentType,
  };
  if (contentType?.startsWith('multipart/form-data')) {
    body.form = [];
    for (const [name, value] of (await request.formData()).entries()) {
      body.form.push([name, typeof value === 'string' ? value : { name: value.name, type: value.type, text: await value.text() }]);
    }
  } else if (request.body) body.text = await request.text();
  return HttpResponse.json(body);
});

const server = useServer({ beforeAll, afterEach, afterAll }, echo);
afterEach(() => {
  vi.useRealTimers();
});

async function loaded(options: ConstructorParameters<typeof BaseClient>[0] = {}): Promise<BaseClient> {
  const client = new BaseClient({ httpHeaders: { 'user-agent': 'MyApp/1.0', 'x-team': 'data' }, ...options });
  await client.load({ credentials: { api_key: 'k-123' } });
  return client;
}

const echoOf = async (response: Response) => (await response.json()) as Echo;

describe('load and close', () => {
  it('load() sets client-level headers; method headers are merged over them', async () => {
    const client = await loaded();
    const got = await echoOf(await client.executeHttpGetRequest(`${API}/echo`, { headers: [['x-team', 'search'], ['x-request-id', '123']] }));
    expect(got.headers).toMatchObject({ authorization: 'Bearer k-123', 'user-agent': 'MyApp/1.0', 'x-team': 'search', 'x-request-id': '123' });
    const plain = await echoOf(await client.executeHttpGetRequest(`${API}/echo`, { headers: new Headers({ 'X-Other': '1' }) }));
    expect(plain.headers['x-team']).toBe('data');
  });

  it('fails before load() and after close() with a ClientStateError; close() aborts calls in flight', async () => {
    const fresh = new BaseClient();
    await expect(fresh.executeHttpGetRequest(`${API}/echo`)).rejects.toThrow(
      new ClientStateError('not-loaded', 'BaseClient.executeHttpGetRequest'),
    );
    await expect(fresh.load({ credentials: {} })).rejects.toThrow(/"credentials.api_key" is required/);

    const started = holdUntilAborted('/slow');
    const client = await loaded();
    const pending = client.executeHttpGetRequest(`${API}/slow`);
    await started;
    await client.close();
    await expect(pending).rejects.toMatchObject({ name: 'ClientStateError', state: 'closed' });
    await expect(client.executeHttpPostRequest(`${API}/echo`, { json: {} })).rejects.toThrow(
      'BaseClient.executeHttpPostRequest: the client is closed; create a new client and call load() again.',
    );
    await expect(client.load({ credentials: { api_key: 'again' } })).rejects.toBeInstanceOf(ClientStateError);
  });

  it('supports subclasses that load their own headers', async () => {
    server.use(http.get(`${API}/v1/sources`, ({ request }) => HttpResponse.json({ sources: [{ id: '1', name: request.headers.get('user-agent') }] })));
    const client = new DataApiClient();
    await client.load({ credentials: { api_key: 'k', base_url: `${API}/` } });
    expect(await client.getSources()).toEqual([{ id: '1', name: 'AtlanSDK/1.0' }]);
    await expect(new DataApiClient().load({ credentials: { api_key: 'k', base_url: 'nope' } })).rejects.toThrow(/"credentials.base_url" must be an absolute URL/);
  });
});

describe('params, auth and bodies', () => {
  it('takes params as a dict, tuples (repeated keys) or a string', async () => {
    const client = await loaded();
    const dict = await echoOf(await client.executeHttpGetRequest(`${API}/echo`, { params: { limit: 100, offset: 0, deep: true } }));
    expect(dict.query).toEqual([['limit', '100'], ['offset', '0'], ['deep', 'true']]);
    const tuples = await echoOf(await client.executeHttpGetRequest(`${API}/echo`, { params: [['tag', 'python'], ['tag', 'api']] }));
    expect(tuples.query).toEqual([['tag', 'python'], ['tag', 'api']]);
    const text = await echoOf(await client.executeHttpGetRequest(`${API}/echo`, { params: 'key=value&limit=100' }));
    expect(text.query).toEqual([['key', 'value'], ['limit', '100']]);
    await expect(client.executeHttpGetRequest(`${API}/echo`, { params: [['only-name']] as unknown as [string, string][] })).rejects.toThrow(/tuples must be \[name, value\]/);
  });

  it('sends per-request basic or bearer auth over the client header', async () => {
    const client = await loaded();
    const tuple = await echoOf(await client.executeHttpGetRequest(`${API}/echo`, { auth: ['user', 'pass'] }));
    expect(tuple.headers.authorization).toBe(`Basic ${btoa('user:pass')}`);
    const object = await echoOf(await client.executeHttpPostRequest(`${API}/echo`, { auth: { username: 'u', password: 'p' }, json: {} }));
    expect(object.headers.authorization).toBe(`Basic ${btoa('u:p')}`);
    const token = await echoOf(await client.executeHttpGetRequest(`${API}/echo`, { auth: { bearer: 'tok' } }));
    expect(token.headers.authorization).toBe('Bearer tok');
  });

  it('posts JSON, form, raw and multipart-file bodies', async () => {
    const client = await loaded();
    const json = await echoOf(await client.executeHttpPostRequest(`${API}/echo`, { json: { name: 'test', value: 123 } }));
    expect(json).toMatchObject({ method: 'POST', contentType: 'application/json', text: '{"name":"test","value":123}' });

    const form = await echoOf(await client.executeHttpPostRequest(`${API}/echo`, { data: { field1: 'value1', field2: 'value 2' } }));
    expect(form.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(form.text).toBe('field1=value1&field2=value+2');

    const raw = await echoOf(await client.executeHttpPostRequest(`${API}/echo`, { content: new TextEncoder().encode('raw bytes'), headers: { 'content-type': 'application/octet-stream' } }));
    expect(raw).toMatchObject({ contentType: 'application/octet-stream', text: 'raw bytes' });

    const upload = await echoOf(
      await client.executeHttpPostRequest(`${API}/echo`, {
        files: { file: { filename: 'file.txt', content: 'hello file', contentType: 'text/plain' }, blob: new File(['b'], 'b.bin') },
        data: { description: 'My file' },
      }),
    );
    expect(upload.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload.form).toEqual([
      ['description', 'My file'],
      ['file', { name: 'file.txt', type: 'text/plain', text: 'hello file' }],
      ['blob', { name: 'b.bin', type: 'application/octet-stream', text: 'b' }],
    ]);
    await expect(client.executeHttpPostRequest(`${API}/echo`, { json: {}, data: { a: 'b' } })).rejects.toThrow(/"json" cannot be combined with data/);
  });
});

describe('timeout per call', () => {
  it('fails a slow call with a TimeoutError, and a caller abort surfaces as the abort reason', async () => {
    const started = holdUntilAborted('/slow');
    const client = await loaded();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let settled = false;
    const timedOut = client.executeHttpGetRequest(`${API}/slow`, { timeout: 50 }).catch((e: unknown) => e).finally(() => {
      settled = true;
    });
    await started;
    await vi.advanceTimersByTimeAsync(49);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await timedOut;
    vi.useRealTimers();
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ phase: 'total', timeoutMs: 50 });

    const controller = new AbortController();
    const pending = client.executeHttpGetRequest(`${API}/slow`, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('retry config', () => {
  it('maps total, backoffFactor and statusForcelist onto retry', () => {
    const options = atlanRetry({ total: 5, backoffFactor: 10, statusForcelist: [429, 503] });
    expect(options.limit).toBe(5);
    expect(options.statuses).toEqual([429, 503]);
    const context = {} as Parameters<typeof options.backoff>[1];
    expect([1, 2, 3].map((n) => options.backoff(n, context))).toEqual([10_000, 20_000, 40_000]);
    expect(() => atlanRetry({ total: -1 })).toThrow(/"total" must be an integer ≥ 0/);
    expect(() => atlanRetry({ statusForcelist: [42] })).toThrow(/"statusForcelist" must be an array of HTTP status codes/);
    expect(() => new BaseClient({ retry: { backoffFactor: -1 } })).toThrow(/"backoffFactor" must be a number of seconds ≥ 0/);
  });

  it('retries the statuses in the force list, up to total, waiting the mapped backoff', async () => {
    let calls = 0;
    server.use(http.get(`${API}/flaky`, () => (++calls <= 2 ? new HttpResponse('busy', { status: 502 }) : HttpResponse.json({ ok: true }))));
    const waits: number[] = [];
    const events: SluiceEvent[] = [];
    const client = await loaded({
      retry: { total: 2, backoffFactor: 0.5, statusForcelist: [502] },
      retryTuning: { sleep: async (ms) => void waits.push(ms) },
      onEvent: (event) => events.push(event),
    });
    expect(await (await client.executeHttpGetRequest(`${API}/flaky`)).json()).toEqual({ ok: true });
    expect(calls).toBe(3);
    expect(waits).toEqual([500, 1000]);

    // A status outside the force list is not retried; total exhausted gives the typed error.
    calls = 0;
    server.use(
      http.get(`${API}/flaky`, () => {
        calls++;
        return new HttpResponse('nope', { status: 500 });
      }),
    );
    await expect(client.executeHttpGetRequest(`${API}/flaky`)).rejects.toMatchObject({ name: 'ServerError', status: 500, attempts: 1 });
    expect(calls).toBe(1);
  });
});

describe('digest auth, cookies, redirects (the SDK\'s remaining features)', () => {
  /** An MD5 qop=auth Digest server written with node:crypto. */
  function digestHandler(password: string) {
    const realm = 'atlan';
    const nonce = randomBytes(8).toString('hex');
    const seen: Array<string | null> = [];
    const md5 = (text: string) => createHash('md5').update(text).digest('hex');
    const handler = http.get(`${API}/digest/*`, ({ request }) => {
      const header = request.headers.get('authorization');
      seen.push(header);
      const p = Object.fromEntries([...(header ?? '').matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)].map((m) => [m[1], m[2] ?? m[3]]));
      const ha1 = md5(`${p.username}:${realm}:${password}`);
      const ha2 = md5(`GET:${p.uri}`);
      if (header?.startsWith('Digest ') && p.nonce === nonce && p.response === md5(`${ha1}:${nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`)) {
        return HttpResponse.json({ user: p.username, nc: p.nc });
      }
      return new HttpResponse(null, { status: 401, headers: { 'www-authenticate': `Digest realm="${realm}", qop="auth", nonce="${nonce}", algorithm=MD5` } });
    });
    return { handler, seen };
  }

  it('auth: { digest } answers the challenge once, then sends credentials pre-emptively', async () => {
    const fake = digestHandler('s3cret');
    server.use(fake.handler);
    const client = await loaded();
    const first = await client.executeHttpGetRequest(`${API}/digest/a`, { auth: { digest: ['alice', 's3cret'] } });
    expect(await first.json()).toEqual({ user: 'alice', nc: '00000001' });
    const second = await client.executeHttpGetRequest(`${API}/digest/b`, { auth: { digest: ['alice', 's3cret'] } });
    expect(await second.json()).toEqual({ user: 'alice', nc: '00000002' });
    expect(fake.seen.map((h) => h?.split(' ')[0] ?? null)).toEqual([null, 'Digest', 'Digest']);

    const error = await client.executeHttpGetRequest(`${API}/digest/c`, { auth: { digest: ['alice', 'wrong-pw'] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(`${(error as Error).message} ${JSON.stringify((error as UnauthorizedError).toJSON())}`).not.toContain('wrong-pw');
    await expect(client.executeHttpGetRequest(`${API}/digest/d`, { auth: { digest: 'alice' } as never })).rejects.toThrow(/"auth.digest" must be a \[username, password\] tuple/);
  });

  it('cookies per request go in a Cookie header, after one given in headers', async () => {
    const client = await loaded();
    const plain = await echoOf(await client.executeHttpGetRequest(`${API}/echo`, { cookies: { session: 'abc', theme: 'dark' } }));
    expect(plain.headers.cookie).toBe('session=abc; theme=dark');
    const merged = await echoOf(await client.executeHttpGetRequest(`${API}/echo`, { headers: { cookie: 'a=1' }, cookies: [['b', '2']] }));
    expect(merged.headers.cookie).toBe('a=1; b=2');
    await expect(client.executeHttpGetRequest(`${API}/echo`, { cookies: { 'bad name': 'x' } })).rejects.toThrow(/cookie name "bad name" is not a valid token/);
    await expect(client.executeHttpGetRequest(`${API}/echo`, { cookies: { ok: 'a;b' } })).rejects.toThrow(/the value of cookie "ok" must be a string without/);
  });

  it('the cookie jar keeps Set-Cookie per origin and sends it back; Max-Age=0 removes it; off with cookieJar: false', async () => {
    const OTHER = 'https://elsewhere.test';
    const otherCookies: Array<string | null> = [];
    server.use(
      http.get(`${API}/login`, () => new HttpResponse(null, { status: 204, headers: [['set-cookie', 'session=abc; Path=/; HttpOnly'], ['set-cookie', 'scoped=1; Path=/admin']] })),
      http.get(`${API}/logout`, () => new HttpResponse(null, { status: 204, headers: { 'set-cookie': 'session=; Path=/; Max-Age=0' } })),
      http.get(`${OTHER}/x`, ({ request }) => {
        otherCookies.push(request.headers.get('cookie'));
        return HttpResponse.json({});
      }),
    );
    const client = await loaded();
    await client.executeHttpGetRequest(`${API}/login`);
    expect((await echoOf(await client.executeHttpGetRequest(`${API}/echo`))).headers.cookie).toBe('session=abc');
    expect((await echoOf(await client.executeHttpGetRequest(`${API}/echo`, { cookies: { session: 'mine' } }))).headers.cookie).toBe('session=mine');
    await client.executeHttpGetRequest(`${OTHER}/x`);
    expect(otherCookies).toEqual([null]);
    await client.executeHttpGetRequest(`${API}/logout`);
    expect((await echoOf(await client.executeHttpGetRequest(`${API}/echo`))).headers.cookie).toBeUndefined();

    const jar = cookieJar({ origins: [API] });
    const scoped = await loaded({ cookieJar: jar });
    await scoped.executeHttpGetRequest(`${API}/login`);
    expect(jar.cookies(`${API}/admin/users`)).toEqual([['scoped', '1'], ['session', 'abc']]);
    expect(jar.cookies(`${API}/other`)).toEqual([['session', 'abc']]);

    const off = await loaded({ cookieJar: false });
    await off.executeHttpGetRequest(`${API}/login`);
    expect((await echoOf(await off.executeHttpGetRequest(`${API}/echo`))).headers.cookie).toBeUndefined();
    expect(() => cookieJar({ origins: ['nope'] })).toThrow(/cookieJar: origins\[0\] is not an absolute URL/);
    expect(() => new BaseClient({ cookieJar: 'yes' as never })).toThrow(/"cookieJar" must be a boolean/);
  });

  it('followRedirects: false returns the 3xx as is; the default follows', async () => {
    server.use(http.get(`${API}/old`, () => new HttpResponse(null, { status: 302, headers: { location: `${API}/echo` } })));
    const client = await loaded();
    const manual = await client.executeHttpGetRequest(`${API}/old`, { followRedirects: false });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe(`${API}/echo`);
    const followed = await client.executeHttpGetRequest(`${API}/old`);
    expect((await echoOf(followed)).method).toBe('GET');
    await expect(client.executeHttpGetRequest(`${API}/old`, { followRedirects: 'no' as never })).rejects.toThrow(/"followRedirects" must be a boolean/);
  });
});

describe('verify (TLS checks) against a local https server with a self-signed certificate', () => {
  // The certificate is generated per run in a temp dir and deleted afterwards: no key is committed.
  let dir = '';
  let tls: Listening | undefined;
  let origin = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-atlan-verify-'));
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, stdio: 'pipe' });
    tls = await listen(
      createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ secure: true }));
      }),
    );
    origin = tls.url;
  }, 30_000);
  afterAll(async () => {
    await tls?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verify: false accepts the self-signed certificate; the default checks refuse it', async () => {
    const client = await loaded({ verify: false, retry: false });
    expect(await (await client.executeHttpGetRequest(`${origin}/data`)).json()).toEqual({ secure: true });
    await client.close();

    const strict = verifyFetch({ ca: readFileSync(join(dir, 'cert.pem'), 'utf8') });
    const trusting = await loaded({ fetch: strict?.fetch, retry: false });
    expect(await (await trusting.executeHttpGetRequest(`${origin}/data`)).json()).toEqual({ secure: true });
    await strict?.close();

    const checked = verifyFetch({ ca: [] });
    const refusing = await loaded({ fetch: checked?.fetch, retry: false });
    await expect(refusing.executeHttpGetRequest(`${origin}/data`)).rejects.toBeInstanceOf(NetworkError);
    await checked?.close();
  });

  it('rejects verify with fetch, and bad verify values', () => {
    expect(verifyFetch(true)).toBeUndefined();
    expect(() => new BaseClient({ verify: false, fetch: globalThis.fetch })).toThrow(/give "verify" or "fetch", not both/);
    expect(() => verifyFetch('yes' as never)).toThrow(/"verify" must be true, false or \{ ca: PEM string\(s\) \}, got string/);
  });
});
