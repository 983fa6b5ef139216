import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BaseClient } from '../src/atlan/base-client.js';
import { appendCookies } from '../src/atlan/cookie-jar.js';
import { DataApiClient } from '../src/atlan/data-api-client.js';
import { tlsFetch } from '../src/tls-fetch.js';
import { useServer } from '@sluice/testing/node';

const API = 'https://data.test';
const server = useServer({ beforeAll, afterEach, afterAll });

describe('Atlan BaseClient and DataApiClient', () => {
  it('rejects a bad verify when the client is created, not at load()', () => {
    expect(() => new BaseClient({ verify: 'yes' as never })).toThrow(new TypeError('BaseClient: "verify" must be true, false or { ca: PEM string(s) }, got string.'));
    expect(() => new BaseClient({ verify: { ca: [''] } })).toThrow(/^BaseClient: "verify" must be true, false or \{ ca: PEM string\(s\) \}, got object\.$/);
  });

  it('DataApiClient keeps the constructor httpHeaders, adds its bearer and user agent', async () => {
    let seen: Headers | undefined;
    server.use(
      http.get(`${API}/v1/sources`, ({ request }) => {
        seen = request.headers;
        return HttpResponse.json({ sources: [] });
      }),
    );
    const client = new DataApiClient({ httpHeaders: { 'x-team': 'data' }, cookieJar: false });
    await client.load({ credentials: { api_key: 'k-1', base_url: API } });
    expect(await client.getSources()).toEqual([]);
    expect(seen?.get('x-team')).toBe('data');
    expect(seen?.get('authorization')).toBe('Bearer k-1');
    expect(seen?.get('user-agent')).toBe('AtlanSDK/1.0');
    await client.close();
    await expect(new DataApiClient().load({ credentials: {} })).rejects.toThrow(new TypeError('DataApiClient.load: "credentials.api_key" is required (a non-empty string).'));
  });

  it('appendCookies joins after the cookies already there, and leaves the header alone without pairs', () => {
    const headers = new Headers({ cookie: 'theme=dark' });
    appendCookies(headers, []);
    expect(headers.get('cookie')).toBe('theme=dark');
    appendCookies(headers, ['session=abc', 'lang=en']);
    expect(headers.get('cookie')).toBe('theme=dark; session=abc; lang=en');
    const empty = new Headers();
    appendCookies(empty, ['a=1']);
    expect(empty.get('cookie')).toBe('a=1');
  });
});

describe('tlsFetch', () => {
  it('rejects bad TLS settings with a TypeError naming them', () => {
    expect(() => tlsFetch({ ca: '' })).toThrow(new TypeError('tlsFetch: "ca" must be a non-empty PEM string or an array of them.'));
    expect(() => tlsFetch({ ca: ['x', 3 as never] })).toThrow(/"ca" must be a non-empty PEM string/);
    expect(() => tlsFetch({ rejectUnauthorized: 'no' as never })).toThrow(new TypeError('tlsFetch: "rejectUnauthorized" must be a boolean, got string.'));
    expect(() => tlsFetch(null as never)).toThrow(/^tlsFetch: give an object/);
  });

  it('accepts an empty CA list (trust nothing) and closes', async () => {
    const fetch = tlsFetch({ ca: [], rejectUnauthorized: true });
    await fetch.close();
  });
});
