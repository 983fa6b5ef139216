import { paginatedCollection, parseLinkHeaderForTest } from './helpers.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '@sluice/testing/node';

const server = useServer({ beforeAll, afterEach, afterAll });

const items = Array.from({ length: 12 }, (_, i) => i + 1);
const get = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, link: response.headers.get('link'), body: (await response.json()) as Record<string, unknown> };
};

describe('paginatedCollection', () => {
  it('offset (Jira): startAt/maxResults/total with items under values or a custom key', async () => {
    server.use(...paginatedCollection(items, 'offset', { url: 'https://api.test/search', itemsKey: 'issues', maxPageSize: 5 }).handlers);
    expect((await get('https://api.test/search?startAt=10&maxResults=50')).body).toEqual({ startAt: 10, maxResults: 5, total: 12, issues: [11, 12] });
  });

  it('skipTake (Octopus): Items, ItemsPerPage, LastPageNumber', async () => {
    server.use(...paginatedCollection(items, 'skipTake', { pageSize: 5 }).handlers);
    expect((await get('https://api.test/p?skip=5')).body).toEqual({
      ItemType: 'Resource',
      TotalResults: 12,
      ItemsPerPage: 5,
      NumberOfPages: 3,
      LastPageNumber: 2,
      Items: [6, 7, 8, 9, 10],
    });
  });

  it('pageNumber: a plain array per page', async () => {
    server.use(...paginatedCollection(items, 'pageNumber').handlers);
    expect((await get('https://api.test/p?page=2&per_page=5')).body).toEqual([6, 7, 8, 9, 10]);
  });

  it('cursor: data and an opaque next_cursor, null on the last page', async () => {
    server.use(...paginatedCollection(items, 'cursor', { pageSize: 8 }).handlers);
    const first = await get('https://api.test/p');
    expect(first.body['data']).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const second = await get(`https://api.test/p?cursor=${encodeURIComponent(String(first.body['next_cursor']))}`);
    expect(second.body).toEqual({ data: [9, 10, 11, 12], next_cursor: null });
  });

  it('linkHeader: RFC 8288 Link with prev, next, first and last', async () => {
    server.use(...paginatedCollection(items, 'linkHeader').handlers);
    const page = await get('https://api.test/p?page=2&per_page=5&sort=asc');
    expect(page.body).toEqual([6, 7, 8, 9, 10]);
    expect(parseLinkHeaderForTest(page.link)).toEqual({
      prev: 'https://api.test/p?page=1&per_page=5&sort=asc',
      next: 'https://api.test/p?page=3&per_page=5&sort=asc',
      first: 'https://api.test/p?page=1&per_page=5&sort=asc',
      last: 'https://api.test/p?page=3&per_page=5&sort=asc',
    });
  });

  it('nextUrl (Sequoia): meta.continue only when continue was asked for', async () => {
    const collection = paginatedCollection(items, 'nextUrl', { url: 'https://api.test/data/contents' });
    server.use(...collection.handlers);
    const plain = await get('https://api.test/data/contents?owner=demo&perPage=5');
    expect(plain.body).toEqual({ meta: { perPage: 5 }, contents: [1, 2, 3, 4, 5] });
    const first = await get('https://api.test/data/contents?owner=demo&perPage=5&continue=true');
    const next = (first.body['meta'] as { continue: string }).continue;
    expect(next).toMatch(/^\/data\/contents\?owner=demo&perPage=5&continue=/);
    expect((await get(`https://api.test${next}`)).body['contents']).toEqual([6, 7, 8, 9, 10]);
    expect(collection.requests).toHaveLength(3);
    collection.clear();
    expect(collection.requests).toHaveLength(0);
  });

  it('answers bad paging parameters with 400 and a message', async () => {
    server.use(...paginatedCollection(items, 'cursor').handlers);
    expect(await get('https://api.test/p?cursor=bogus')).toMatchObject({ status: 400, body: { error: 'Invalid cursor "bogus".' } });
    server.use(...paginatedCollection(items, 'offset').handlers);
    expect(await get('https://api.test/p?startAt=-1')).toMatchObject({
      status: 400,
      body: { error: 'Query parameter "startAt" must be an integer of at least 0, got "-1".' },
    });
  });

  it('rejects bad options with a TypeError', () => {
    expect(() => paginatedCollection('x' as never, 'offset')).toThrow('paginatedCollection(): "items" must be an array.');
    expect(() => paginatedCollection([], 'pages' as never)).toThrow(
      "paginatedCollection(): \"style\" must be one of 'offset', 'skipTake', 'pageNumber', 'cursor', 'linkHeader', 'nextUrl', got pages.",
    );
    expect(() => paginatedCollection([], 'offset', { pageSize: 0 })).toThrow('paginatedCollection(): "pageSize" must be a positive integer, got 0.');
  });
});
