import { clientCredentials, tokenAuth } from '@sluice/auth';
import { compose, concurrency, correlationId, createRateGate, retry, ServerError, timeout } from '@sluice/core';
import { useServer } from '@sluice/testing/node';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/index.js';

const BASE = 'https://owners.test';
const server = useServer({ beforeAll, afterEach, afterAll });
const fast = { baseDelay: 0, maxDelay: 0 };

function failing(): { attempts: () => number } {
  let attempts = 0;
  server.use(
    http.get(`${BASE}/down`, () => {
      attempts++;
      return new HttpResponse('down', { status: 503 });
    }),
  );
  return { attempts: () => attempts };
}

describe("ky's retry: number form", () => {
  it.each([
    [0, 1],
    [1, 2],
    [2, 3],
  ])('createClient({ retry: %i }) makes %i attempts', async (limit, attempts) => {
    const api = failing();
    const client = createClient({ baseUrl: BASE, retry: limit, gate: false });
    await expect(client.get('down', { retry: { ...fast } })).rejects.toBeInstanceOf(ServerError);
    expect(api.attempts()).toBe(attempts);
  });

  it('per request too: { retry: 0 } sends once', async () => {
    const api = failing();
    const client = createClient({ baseUrl: BASE, retry: { ...fast, limit: 3 }, gate: false });
    await expect(client.get('down', { retry: 0 })).rejects.toBeInstanceOf(ServerError);
    expect(api.attempts()).toBe(1);
  });
});

describe('silently accepted options now fail at creation, naming the option', () => {
  it.each([
    ['timeout.atempt', () => createClient({ timeout: { atempt: 5_000 } as never }), /unknown option "atempt" \(did you mean "attempt"\?\)/],
    ['retry.limt', () => createClient({ retry: { limt: 2 } as never }), /retry: unknown option "limt" \(did you mean "limit"\?\)/],
    ['concurrency.maxQeue', () => createClient({ concurrency: { limit: 2, maxQeue: 5 } as never }), /concurrency: unknown option "maxQeue" \(did you mean "maxQueue"\?\)/],
    ['retry.methods FETCH ME', () => createClient({ retry: { methods: ['FETCH ME'] } }), /retry: "methods" must be an array of method names/],
    ['retry: true', () => createClient({ retry: true as never }), /retry: options must be an object or false, got boolean/],
    ["correlationId: 'abc'", () => createClient({ correlationId: 'abc' as never }), /correlationId\(\): expected an options object or nothing, got string/],
    ["ky: 'x'", () => createClient({ ky: 'x' as never }), /createClient: "ky" must be an object of ky options, got string/],
    ['a misspelt client option', () => createClient({ retyr: 1 } as never), /createClient: unknown option "retyr" \(did you mean "retry"\?\)/],
    ['a misspelt gate option', () => createRateGate({ maxClosedMS: 5 } as never), /createRateGate: unknown option "maxClosedMS" \(did you mean "maxClosedMs"\?\)/],
    ['a misspelt correlationId option', () => correlationId({ heder: 'x-id' } as never), /correlationId\(\): unknown option "heder" \(did you mean "header"\?\)/],
    ['a misspelt timeout option', () => timeout({ totl: 5 } as never), /timeout\(\): unknown option "totl" \(did you mean "total"\?\)/],
    ['a misspelt concurrency option', () => concurrency({ limit: 1, relase: 'body' } as never), /concurrency: unknown option "relase" \(did you mean "release"\?\)/],
  ])('%s', (_, create, message) => {
    expect(create).toThrow(TypeError);
    expect(create).toThrow(message);
  });

  it('a misspelt per-request option rejects the request, naming it', async () => {
    const pipeline = compose([retry(), timeout({ total: 1_000 })], { fetch: async () => new Response('ok') });
    await expect(pipeline(`${BASE}/x`, { retry: { limt: 1 } as never })).rejects.toThrow(/retry \(per-request option\): unknown option "limt" \(did you mean "limit"\?\)/);
    await expect(pipeline(`${BASE}/x`, { timeout: { atempt: 1 } as never })).rejects.toThrow(/unknown option "atempt" \(did you mean "attempt"\?\)/);
  });
});

describe('clientCredentials without a secret or a key', () => {
  it("is refused unless authMethod: 'none' is spelled out", () => {
    expect(() => clientCredentials({ tokenUrl: `${BASE}/token`, clientId: 'svc' })).toThrow(
      new TypeError(
        `clientCredentials(options): give "clientSecret" or "privateKey", or spell out authMethod: 'none' to send the token call without client authentication.`,
      ),
    );
  });

  it("with authMethod: 'none' sends the token call without client authentication", async () => {
    const seen: Array<{ authorization: string | null; body: string }> = [];
    server.use(
      http.post(`${BASE}/token`, async ({ request }) => {
        seen.push({ authorization: request.headers.get('authorization'), body: await request.text() });
        return HttpResponse.json({ access_token: 'at-1', token_type: 'Bearer', expires_in: 60 });
      }),
      http.get(`${BASE}/me`, ({ request }) => HttpResponse.json({ authorization: request.headers.get('authorization') })),
    );
    const client = createClient({
      baseUrl: BASE,
      auth: tokenAuth(clientCredentials({ tokenUrl: `${BASE}/token`, clientId: 'svc', authMethod: 'none' })),
    });
    expect(await client.get('me').json()).toEqual({ authorization: 'Bearer at-1' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.authorization).toBeNull();
    expect(seen[0]?.body).not.toContain('client_secret');
  });
});

describe('throwHttpErrors as a function of the status, as in ky', () => {
  it('throws for the statuses it returns true for and returns the others', async () => {
    server.use(
      http.get(`${BASE}/missing`, () => new HttpResponse('no', { status: 404 })),
      http.get(`${BASE}/broken`, () => new HttpResponse('no', { status: 500 })),
    );
    const client = createClient({ baseUrl: BASE, retry: false, throwHttpErrors: (status) => status !== 404 });
    expect((await client.get('missing')).status).toBe(404);
    await expect(client.get('broken')).rejects.toBeInstanceOf(ServerError);
    // A request's own function wins.
    expect((await client.get('broken', { throwHttpErrors: (status) => status >= 501 })).status).toBe(500);
  });

  it('refuses a per-request value that is neither form, naming it', async () => {
    const client = createClient({ baseUrl: BASE, retry: false });
    server.use(http.get(`${BASE}/missing`, () => new HttpResponse('no', { status: 404 })));
    await expect(client.get('missing', { throwHttpErrors: 'no' as never })).rejects.toThrow(/"throwHttpErrors" request option must be a boolean or a function/);
  });
});
