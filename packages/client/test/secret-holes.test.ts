import { inspect } from 'node:util';
import { apiKey, bearer } from '@sluice/auth';
import { paginate, pageNumber, ResponseParseError } from '@sluice/core';
import { useServer } from '@sluice/testing/node';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/index.js';

const BASE = 'https://holes.test/v1';
const TOKEN = 'tok-5e6f7a8b9c0d';
const KEY = 'key-1a2b3c4d5e6f';
const server = useServer({ beforeAll, afterEach, afterAll });

/** Every way an error can be shown, its cause chain included. */
function shown(error: unknown): string {
  const cause = (error as Error).cause;
  return [String(error), (error as Error).stack, inspect(error, { depth: Infinity, showHidden: true }), String(cause), (cause as Error | undefined)?.stack].join('\n');
}

describe('the holes in secret handling are closed', () => {
  it("an apiKey({ query }) value is not in ResponseParseError's message", async () => {
    server.use(http.get(`${BASE}/broken`, () => HttpResponse.text('not json', { headers: { 'content-type': 'application/json' } })));
    const client = createClient({ baseUrl: BASE, retry: false, auth: apiKey({ query: 'key', value: KEY }) });
    const error = await client.get('broken').json().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseParseError);
    expect((error as Error).message).toContain('key=%5BREDACTED%5D');
    expect(shown(error)).not.toContain(KEY);
  });

  it('a 2xx body that echoes the bearer token is scrubbed from ResponseParseError and its cause', async () => {
    server.use(http.get(`${BASE}/echo`, ({ request }) => HttpResponse.text(request.headers.get('authorization')?.slice('Bearer '.length))));
    const client = createClient({ baseUrl: BASE, retry: false, auth: bearer(TOKEN) });
    const error = await client.get('echo').json().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseParseError);
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
    expect(shown(error)).not.toContain(TOKEN);
    expect((error as Error).message).toContain('[REDACTED]');
  });

  it('a secret header value with CR/LF is refused without quoting it, and the promise rejects (no synchronous throw)', async () => {
    const client = createClient({ baseUrl: BASE, retry: false });
    const bad = `Bearer ${TOKEN}\r\nX-Injected: 1`;
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = client.get('me', { headers: { authorization: bad } }).json();
    }).not.toThrow();
    const error = await (promise as Promise<unknown>).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(shown(error)).not.toContain(TOKEN);
  });

  it('a bearer token from a function with CR/LF is refused at the request without quoting it', async () => {
    const client = createClient({ baseUrl: BASE, retry: false, auth: bearer(() => `${TOKEN}\nX: 1`) });
    const error = await client.get('me').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/CR or LF/);
    expect(shown(error)).not.toContain(TOKEN);
  });

  it('a static token or API key with CR/LF is refused at creation, unquoted', () => {
    const creations = [() => bearer(`${TOKEN}\r\n`), () => apiKey({ header: 'x-api-key', value: `${KEY}\n` })];
    for (const create of creations) {
      let error: unknown;
      try {
        create();
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/CR or LF/);
      expect(shown(error)).not.toContain(TOKEN);
      expect(shown(error)).not.toContain(KEY);
    }
  });

  it("paginate(fetch, …) over a plain fetch does not pass on fetch's own error with the URL's userinfo", async () => {
    const error = await paginate(fetch, 'https://user:hunter2-s3cret@holes.test/items', pageNumber({ perPage: 2 }))
      .all()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(shown(error)).not.toContain('hunter2-s3cret');
  });
});
