import { createHash, randomBytes } from 'node:crypto';
import { basic, digest, noAuth } from '@sluice/auth';
import { type Context, compose, errors, type Middleware, UnauthorizedError } from '@sluice/core';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '@sluice/testing/node';

const API = 'https://digest.test';
const OTHER = 'https://other.test';
const USER = 'Mufasa';
const PASS = 'Circle of Life';

type Algorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

interface Seen {
  method: string;
  url: string;
  authorization: string | null;
  body: string;
}

/** The server side of Digest auth, written with node:crypto. */
function digestServer(base: string, options: { algorithm: Algorithm; qop?: boolean; password?: string; userhash?: boolean; extra?: string }) {
  const { algorithm, qop = true, password = PASS, userhash = false } = options;
  const realm = 'http-auth@example.org';
  const opaque = randomBytes(8).toString('hex');
  const nonces = new Map<string, { lastNc: number; expired: boolean }>();
  const seen: Seen[] = [];
  const h = (text: string) => createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5').update(text, 'utf8').digest('hex');
  const challenge = (stale: boolean) => {
    const nonce = randomBytes(12).toString('base64');
    nonces.set(nonce, { lastNc: 0, expired: false });
    return [
      `Digest realm="${realm}"`,
      qop ? 'qop="auth"' : undefined,
      `algorithm=${algorithm}`,
      `nonce="${nonce}"`,
      `opaque="${opaque}"`,
      stale ? 'stale=true' : undefined,
      userhash ? 'userhash=true' : undefined,
    ]
      .filter(Boolean)
      .join(', ');
  };
  const unauthorized = (stale = false) =>
    HttpResponse.json({ error: 'unauthorized' }, { status: 401, headers: { 'www-authenticate': `${options.extra ?? ''}${challenge(stale)}` } });
  const handler = http.all(`${base}/*`, async ({ request }) => {
    const authorization = request.headers.get('authorization');
    seen.push({ method: request.method, url: request.url, authorization, body: await request.text() });
    if (!authorization?.startsWith('Digest ')) return unauthorized();
    const p = parseParams(authorization.slice(7));
    const state = nonces.get(p.nonce ?? '');
    if (!state) return unauthorized();
    if (state.expired) return unauthorized(true);
    const url = new URL(request.url);
    const nc = Number.parseInt(p.nc ?? '0', 16);
    const expectedUser = userhash ? h(`${USER}:${realm}`) : USER;
    if (p.username !== expectedUser || p.realm !== realm || p.opaque !== opaque || p.algorithm !== algorithm) return unauthorized();
    if (p.uri !== `${url.pathname}${url.search}`) return unauthorized();
    if (qop && (p.qop !== 'auth' || !(nc > state.lastNc) || !p.cnonce)) return unauthorized();
    state.lastNc = nc;
    let ha1 = h(`${USER}:${realm}:${password}`);
    if (algorithm.endsWith('-sess')) ha1 = h(`${ha1}:${p.nonce}:${p.cnonce}`);
    const ha2 = h(`${request.method}:${p.uri}`);
    const expected = qop ? h(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`) : h(`${ha1}:${p.nonce}:${ha2}`);
    if (p.response !== expected) return unauthorized();
    return HttpResponse.json({ ok: true, nc: p.nc ?? null });
  });
  return {
    handler,
    seen,
    expireNonces() {
      for (const state of nonces.values()) state.expired = true;
    },
  };
}

function parseParams(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of text.matchAll(/([a-z*]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/gi)) {
    out[(match[1] as string).toLowerCase()] = (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return out;
}

const server = useServer({ beforeAll, afterEach, afterAll });

const ncOf = (s: Seen | undefined) => (s?.authorization ? parseParams(s.authorization.slice(7)).nc : undefined);

describe('digest auth', () => {
  it.each(['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'] as const)('answers a %s qop=auth challenge, then sends credentials pre-emptively', async (algorithm) => {
    const fake = digestServer(API, { algorithm });
    server.use(fake.handler);
    const pipeline = compose([errors(), digest(USER, PASS, { origins: [API] })]);

    const first = await pipeline(`${API}/dir/index.html?x=1&y=%20z`);
    expect(await first.json()).toEqual({ ok: true, nc: '00000001' });
    expect(fake.seen.map((s) => s.authorization === null)).toEqual([true, false]);

    const second = await pipeline(`${API}/other`, { method: 'POST', body: JSON.stringify({ a: 1 }), headers: { 'content-type': 'application/json' } });
    expect(await second.json()).toEqual({ ok: true, nc: '00000002' });
    await pipeline(`${API}/third`);
    expect(fake.seen).toHaveLength(4);
    expect(fake.seen.map(ncOf)).toEqual([undefined, '00000001', '00000002', '00000003']);
    expect(fake.seen[2]?.body).toBe('{"a":1}');
    expect(fake.seen[1]?.authorization).toContain(`algorithm=${algorithm}`);
  });

  it('replays a request body on the 401 replay', async () => {
    const fake = digestServer(API, { algorithm: 'SHA-256' });
    server.use(fake.handler);
    const pipeline = compose([errors(), digest(USER, PASS, { origins: [API] })]);
    await pipeline(`${API}/upload`, { method: 'PUT', body: 'payload' });
    expect(fake.seen.map((s) => [s.method, s.body])).toEqual([
      ['PUT', 'payload'],
      ['PUT', 'payload'],
    ]);
  });

  it('answers RFC 2069 challenges without qop, userhash challenges, and non-ASCII passwords', async () => {
    const legacy = digestServer(API, { algorithm: 'MD5', qop: false });
    server.use(legacy.handler);
    await compose([errors(), digest(USER, PASS, { origins: [API] })])(`${API}/a`);
    expect(legacy.seen[1]?.authorization).not.toMatch(/qop|nc=|cnonce/);

    server.resetHandlers();
    const hashed = digestServer(API, { algorithm: 'SHA-256', userhash: true, password: 'pässwörd 😀' });
    server.use(hashed.handler);
    const response = await compose([errors(), digest(USER, 'pässwörd 😀', { origins: [API] })])(`${API}/a`);
    expect(response.status).toBe(200);
    expect(hashed.seen[1]?.authorization).toContain('userhash=true');
    expect(hashed.seen[1]?.authorization).not.toContain(USER);
  });

  it('picks the Digest challenge (SHA-256 first) among several schemes', async () => {
    const fake = digestServer(API, { algorithm: 'SHA-256', extra: 'Basic realm="x", Digest realm="old", nonce="n", algorithm=MD5, ' });
    server.use(fake.handler);
    const response = await compose([errors(), digest(USER, PASS, { origins: [API] })])(`${API}/a`);
    expect(response.status).toBe(200);
  });

  it('a stale=true 401 refreshes the nonce and replays once, restarting nc', async () => {
    const fake = digestServer(API, { algorithm: 'MD5' });
    server.use(fake.handler);
    const pipeline = compose([errors(), digest(USER, PASS, { origins: [API] })]);
    await pipeline(`${API}/a`);
    await pipeline(`${API}/b`);
    fake.expireNonces();
    const response = await pipeline(`${API}/c`);
    expect(response.status).toBe(200);
    expect(fake.seen.map(ncOf)).toEqual([undefined, '00000001', '00000002', '00000003', '00000001']);
    const nonces = fake.seen.slice(1).map((s) => parseParams(s.authorization?.slice(7) ?? '').nonce);
    expect(nonces[2]).toBe(nonces[0]);
    expect(nonces[3]).not.toBe(nonces[0]);
  });

  it('a wrong password is an UnauthorizedError after one replay, with no secret in any error text', async () => {
    const fake = digestServer(API, { algorithm: 'MD5', password: 'the real one' });
    server.use(fake.handler);
    let secrets: Set<string> | undefined;
    const spy: Middleware = {
      name: 'spy',
      handle(request, context: Context, next) {
        secrets = context.state.secrets;
        return next(request);
      },
    };
    const pipeline = compose([errors(), digest(USER, 'hunter2-wrong', { origins: [API] }), spy]);
    const error = await pipeline(`${API}/secret`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(fake.seen).toHaveLength(2);
    const sent = fake.seen[1]?.authorization ?? '';
    const responseHash = parseParams(sent.slice(7)).response ?? '';
    expect(secrets?.has('hunter2-wrong')).toBe(true);
    expect(secrets?.has(sent)).toBe(true);
    const text = `${String(error)} ${(error as Error).message} ${JSON.stringify((error as UnauthorizedError).toJSON())} ${(error as Error).stack}`;
    expect(text).not.toContain('hunter2-wrong');
    expect(text).not.toContain(responseHash);
    expect((error as Error).message).toMatch(/401 .*still 401 after a digest challenge and one replay/);
  });

  it('sends no credentials to other origins, and does not answer their challenges', async () => {
    const home = digestServer(API, { algorithm: 'MD5' });
    const other = digestServer(OTHER, { algorithm: 'MD5' });
    server.use(home.handler, other.handler);
    const pipeline = compose([digest(USER, PASS, { origins: [API] })]);
    await pipeline(`${API}/a`);
    const response = await pipeline(`${OTHER}/a`);
    expect(response.status).toBe(401);
    expect(other.seen.map((s) => s.authorization)).toEqual([null]);
  });

  it('does not follow a redirect to another origin with credentials', async () => {
    const other = digestServer(OTHER, { algorithm: 'MD5' });
    server.use(
      http.get(`${API}/moved`, ({ request }) =>
        request.headers.get('authorization') ? new HttpResponse(null, { status: 302, headers: { location: `${OTHER}/landing` } }) : unauthorizedOnce(),
      ),
      other.handler,
    );
    const response = await compose([digest(USER, PASS, { origins: [API] })])(`${API}/moved`);
    expect(response.status).toBe(401);
    expect(other.seen.every((s) => s.authorization === null)).toBe(true);
  });

  it('a streamed body is not replayed: UnauthorizedError naming bodyFactory; with a bodyFactory it is', async () => {
    const fake = digestServer(API, { algorithm: 'SHA-256' });
    server.use(fake.handler);
    const stream = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('chunk'));
          controller.close();
        },
      });
    const pipeline = compose([errors(), digest(USER, PASS, { origins: [API] })]);
    const error = await pipeline(`${API}/stream`, { method: 'POST', body: stream(), duplex: 'half' } as RequestInit).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as Error).message).toMatch(/not replayed with Digest credentials: its body is a one-shot stream; pass a "bodyFactory"/);
    expect(fake.seen).toHaveLength(1);

    const ok = await compose([errors(), digest(USER, PASS, { origins: [API] })])(`${API}/stream`, {
      method: 'POST',
      body: stream(),
      duplex: 'half',
      bodyFactory: () => stream(),
    } as RequestInit);
    expect(await ok.json()).toEqual({ ok: true, nc: '00000001' });
    expect(fake.seen.at(-1)?.body).toBe('chunk');
  });

  it('works as a per-request auth override on a client with noAuth()', async () => {
    const fake = digestServer(API, { algorithm: 'MD5-sess' });
    server.use(fake.handler);
    const auth = digest(USER, PASS);
    const pipeline = compose([errors(), noAuth()]);
    expect((await pipeline(`${API}/a`, { auth })).status).toBe(200);
    expect((await pipeline(`${API}/b`, { auth })).status).toBe(200);
    expect(fake.seen.map(ncOf)).toEqual([undefined, '00000001', '00000002']);
    await expect(pipeline(`${API}/c`)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(pipeline(`${API}/d`, { auth: basic('u', 'p') })).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('fails with a note when the challenge cannot be answered', async () => {
    const pipeline = compose([errors(), digest(USER, PASS, { origins: [API] })]);
    server.use(http.get(`${API}/int`, () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Digest realm="r", nonce="n", qop="auth-int"' } })));
    await expect(pipeline(`${API}/int`)).rejects.toThrow(/Digest qop "auth-int" is not supported/);
    server.use(http.get(`${API}/sha512`, () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Digest realm="r", nonce="n", algorithm=SHA-512-256' } })));
    await expect(pipeline(`${API}/sha512`)).rejects.toThrow(/Digest algorithm "SHA-512-256" is not supported/);
    server.use(http.get(`${API}/basic`, () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } })));
    await expect(pipeline(`${API}/basic`)).rejects.toThrow(/did not offer Digest authentication \(WWW-Authenticate: basic\)/);
  });

  it('rejects bad input with a TypeError naming it', () => {
    expect(() => digest(1 as never, 'p')).toThrow(/digest\(username, password\): username must be a string, got number/);
    expect(() => digest('u', undefined as never)).toThrow(/password must be a string, got undefined/);
    expect(() => digest('u', 'p', { cnonce: 'x' as never })).toThrow(/"cnonce" must be a function/);
    expect(() => digest('u', 'p', { origins: ['nope'] })).toThrow(/origins\[0\] is not an absolute URL/);
  });
});

function unauthorizedOnce() {
  return new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Digest realm="r", nonce="abc", qop="auth"' } });
}
