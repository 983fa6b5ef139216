import { clientCredentials, tokenAuth } from '@sluice/auth';
import { createRateGate, ServerError, stack } from '@sluice/core';
import { useServer } from '@sluice/testing/node';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/index.js';

const BASE = 'https://typos.test';
const server = useServer({ beforeAll, afterEach, afterAll });

describe('the silently accepted options of issue 10 fail at creation with a TypeError naming the option', () => {
  it.each([
    ['timeout.atempt', { timeout: { atempt: 5_000 } }, /unknown option "atempt" \(did you mean "attempt"\?\)/],
    ['retry.limt', { retry: { limt: 2 } }, /retry: unknown option "limt" \(did you mean "limit"\?\)/],
    ['concurrency.maxQeue', { concurrency: { limit: 2, maxQeue: 5 } }, /unknown option "maxQeue" \(did you mean "maxQueue"\?\)/],
    ["retry.methods ['FETCH ME']", { retry: { methods: ['FETCH ME'] } }, /retry: "methods" must be an array of method names/],
    ["correlationId: 'abc'", { correlationId: 'abc' }, /correlationId\(\): expected an options object or nothing, got string/],
    ["ky: 'x'", { ky: 'x' }, /createClient: "ky" must be an object of ky options, got string/],
    ['retry: true', { retry: true }, /retry: options must be an object or false, got boolean/],
    ["stack: 'x'", { stack: 'x' }, /createClient: "stack" must be a Stack \(from stack\(\), or client.stack edited\), got string/],
    ['gate twice', { gate: createRateGate(), retry: { gate: false } }, /createClient: "gate" is given twice, at the top level and in "retry"/],
    ['retryBudget twice', { retryBudget: false, retry: { retryBudget: false } }, /createClient: "retryBudget" is given twice/],
    ['ky.retry', { ky: { retry: 2 } }, /"ky.retry" is Sluice's, not ky's, in a client: use createClient\(\{ retry \}\)/],
    ['ky.timeout', { ky: { timeout: 2 } }, /"ky.timeout" is Sluice's.*createClient\(\{ timeout \}\)/],
    ['ky.throwHttpErrors', { ky: { throwHttpErrors: false } }, /"ky.throwHttpErrors" is Sluice's.*createClient\(\{ throwHttpErrors \}\)/],
    ['ky.fetch', { ky: { fetch } }, /"ky.fetch" is Sluice's.*createClient\(\{ fetch \}\)/],
    ['ky.prefixUrl', { ky: { prefixUrl: 'https://x' } }, /"ky.prefixUrl" is Sluice's.*createClient\(\{ baseUrl \}\)/],
    ['a ky typo', { ky: { hoks: {} } }, /createClient: unknown option "ky.hoks" \(did you mean "ky.hooks"\?\)/],
    ['headers twice', { headers: { a: '1' }, ky: { headers: { b: '2' } } }, /"headers" is given twice, at the top level and in "ky"/],
    ['searchParams of a number', { searchParams: 5 }, /createClient: searchParams: must be a string, URLSearchParams, a dict or a list/],
    ['searchParams with an object value', { searchParams: { a: {} } }, /createClient: searchParams: the value of "a" must be a string, number or boolean/],
    ['a misspelt top-level key', { timout: 2 }, /createClient: unknown option "timout" \(did you mean "timeout"\?\)/],
    ['concurrency: 0, checked once, by concurrency()', { concurrency: 0 }, /createClient: "concurrency" must be a positive integer, got 0/],
    ['timeout: -1, checked once, by timeout()', { timeout: -1 }, /createClient: "timeout" must be a finite number of ms > 0, got -1/],
  ])('%s', (_, options, message) => {
    const create = () => createClient(options as never);
    expect(create).toThrow(TypeError);
    expect(create).toThrow(message);
  });

  it("clientCredentials without a secret needs authMethod: 'none'", () => {
    expect(() => clientCredentials({ tokenUrl: `${BASE}/token`, clientId: 'svc' })).toThrow(TypeError);
    expect(() => tokenAuth(clientCredentials({ tokenUrl: `${BASE}/token`, clientId: 'svc', authMethod: 'none' }))).not.toThrow();
  });

  it('a Stack, and fetch extensions in ky, are accepted', () => {
    expect(() => createClient({ stack: stack() })).not.toThrow();
    expect(() => createClient({ ky: { dispatcher: {} } as never })).not.toThrow();
  });
});

describe("ky's forms work as ky users expect", () => {
  it.each([
    [0, 1],
    [1, 2],
  ])('retry: %i makes %i attempt(s)', async (limit, attempts) => {
    let seen = 0;
    server.use(http.get(`${BASE}/down`, () => {
      seen++;
      return new HttpResponse('down', { status: 503 });
    }));
    const client = createClient({ baseUrl: BASE, retry: limit, gate: false });
    await expect(client.get('down', { retry: { baseDelay: 0, maxDelay: 0 } })).rejects.toBeInstanceOf(ServerError);
    expect(seen).toBe(attempts);
  });

  it('throwHttpErrors as a function decides per status', async () => {
    server.use(http.get(`${BASE}/missing`, () => new HttpResponse('no', { status: 404 })));
    const client = createClient({ baseUrl: BASE, retry: false, throwHttpErrors: (status) => status !== 404 });
    expect((await client.get('missing')).status).toBe(404);
  });
});

describe('per-request keys', () => {
  const client = createClient({ baseUrl: BASE, retry: false });

  it.each([
    ['retyr', { retyr: 1 }, 'Unknown request option "retyr" (did you mean "retry"?)'],
    ['tiemout', { tiemout: 5 }, 'Unknown request option "tiemout" (did you mean "timeout"?)'],
    ['header', { header: { a: '1' } }, 'Unknown request option "header" (did you mean "headers"?)'],
    ['skp', { skp: ['retry'] }, 'Unknown request option "skp" (did you mean "skip"?)'],
  ])('a typo (%s) rejects the call, naming the option', async (_, options, message) => {
    await expect(client.get('ok', options as never)).rejects.toThrow(new TypeError(message));
  });

  it.each([
    ['fetch', { fetch }, /"fetch" request option is not one of a Sluice client's: use the client option createClient\(\{ fetch \}\)/],
    ['totalTimeout', { totalTimeout: 5 }, /"totalTimeout" request option .* use the request option timeout: \{ total \}/],
    ['prefix', { prefix: 'v2' }, /"prefix" request option .* use an absolute URL/],
    ['searchParams of a number', { searchParams: 5 }, /searchParams: must be a string/],
    ['options of a string', 'x', /The request options must be an object, got string/],
  ])('a Sluice-owned or malformed key (%s) rejects the call', async (_, options, message) => {
    await expect(client.get('ok', options as never)).rejects.toThrow(message);
  });

  it('keys nowhere near a known one go through, as ky forwards them', async () => {
    server.use(http.get(`${BASE}/ok`, () => HttpResponse.json({ ok: true })));
    expect(await client.get('ok', { next: { revalidate: 5 }, dispatcher: undefined } as never).json()).toEqual({ ok: true });
    expect(await client.get('ok', { retry: 0, timeout: 5_000, throwHttpErrors: false }).json()).toEqual({ ok: true });
  });
});
