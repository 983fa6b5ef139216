import { compose, correlationId, cursor, linkHeader, type Middleware, nextUrl, offset, type PaginationEvent, PaginationError, type PaginationStrategy, pageNumber, paginate, ResponseParseError, skipTake } from '@sluice/core';
import { paginatedCollection, recorder } from '@sluice/testing';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useServer } from '@sluice/testing/node';

const BASE = 'https://api.test';
const server = useServer({ beforeAll, afterEach, afterAll });
const traffic = recorder();
afterEach(() => {
  traffic.clear();
});

const items = Array.from({ length: 23 }, (_, i) => ({ id: i + 1 }));
const ids = (list: readonly { id: number }[]) => list.map((item) => item.id);

/** A pipeline whose only middleware sends the per-request correlationId option as a header. */
const tagging: Middleware = {
  name: 'tag',
  handle(request, context, next) {
    const id = (context.options as { correlationId?: string }).correlationId;
    if (id) request.headers.set('x-correlation-id', id);
    return next(request);
  },
};

function use(collection: { handlers: Parameters<typeof server.use> }) {
  server.use(...traffic.handlers, ...collection.handlers);
}

describe('strategies against paginatedCollection', () => {
  it('offset: Jira startAt/maxResults/total with a configurable items key', async () => {
    use(paginatedCollection(items, 'offset', { url: `${BASE}/search`, itemsKey: 'issues' }));
    const pages = [];
    for await (const page of paginate(fetch, `${BASE}/search?jql=x`, offset<{ id: number }>({ items: 'issues', pageSize: 10 }))) pages.push(page);
    expect(pages.map((page) => page.items.length)).toEqual([10, 10, 3]);
    expect(ids(pages.flatMap((page) => page.items))).toEqual(ids(items));
    expect(traffic.requests.map((r) => new URL(r.url).search)).toEqual([
      '?jql=x&startAt=0&maxResults=10',
      '?jql=x&startAt=10&maxResults=10',
      '?jql=x&startAt=20&maxResults=10',
    ]);
  });

  it('offset: without a total it stops on the first empty page', async () => {
    use(paginatedCollection(items, 'offset', { url: `${BASE}/projects`, total: false, pageSize: 10 }));
    const all = await paginate(fetch, `${BASE}/projects`, offset<{ id: number }>()).all();
    expect(ids(all)).toEqual(ids(items));
    expect(traffic.requests).toHaveLength(4); // 10, 10, 3, then an empty page
  });

  it('skipTake: Octopus skip/take until LastPageNumber', async () => {
    use(paginatedCollection(items, 'skipTake', { url: `${BASE}/api/projects` }));
    const all = await paginate(fetch, `${BASE}/api/projects`, skipTake<{ id: number }>({ take: 5 })).all();
    expect(ids(all)).toEqual(ids(items));
    expect(traffic.requests.map((r) => new URL(r.url).searchParams.get('skip'))).toEqual(['0', '5', '10', '15', '20']);
  });

  it('skipTake: an exact multiple needs no extra request', async () => {
    use(paginatedCollection(items.slice(0, 20), 'skipTake', { url: `${BASE}/api/projects` }));
    await paginate(fetch, `${BASE}/api/projects`, skipTake({ take: 10 })).all();
    expect(traffic.requests).toHaveLength(2);
  });

  it('pageNumber: stops on a short page', async () => {
    use(paginatedCollection(items, 'pageNumber', { url: `${BASE}/repos` }));
    const all = await paginate(fetch, `${BASE}/repos`, pageNumber<{ id: number }>({ perPage: 10 })).all();
    expect(ids(all)).toEqual(ids(items));
    expect(traffic.requests.map((r) => new URL(r.url).searchParams.get('page'))).toEqual(['1', '2', '3']);
  });

  it('pageNumber: stops on an empty page when the size is a multiple', async () => {
    use(paginatedCollection(items.slice(0, 20), 'pageNumber', { url: `${BASE}/repos` }));
    const all = await paginate(fetch, `${BASE}/repos`, pageNumber({ perPage: 10 })).all();
    expect(all).toHaveLength(20);
    expect(traffic.requests).toHaveLength(3);
  });

  it('cursor: follows next_cursor from the body', async () => {
    use(paginatedCollection(items, 'cursor', { url: `${BASE}/events`, pageSize: 7 }));
    const all = await paginate(fetch, `${BASE}/events`, cursor<{ id: number }>({ next: (body) => (body as { next_cursor: string | null }).next_cursor })).all();
    expect(ids(all)).toEqual(ids(items));
    expect(traffic.requests).toHaveLength(4);
    expect(new URL(traffic.requests[0]?.url ?? '').searchParams.has('cursor')).toBe(false);
  });

  it('linkHeader: follows rel="next" until there is none', async () => {
    use(paginatedCollection(items, 'linkHeader', { url: `${BASE}/issues` }));
    const all = await paginate(fetch, `${BASE}/issues?per_page=5&state=open`, linkHeader<{ id: number }>()).all();
    expect(ids(all)).toEqual(ids(items));
    expect(traffic.requests).toHaveLength(5);
    expect(new URL(traffic.requests[4]?.url ?? '').searchParams.get('state')).toBe('open');
  });

  it('nextUrl: Sequoia meta.continue, relative to the page', async () => {
    use(paginatedCollection(items, 'nextUrl', { url: `${BASE}/data/contents` }));
    const strategy = nextUrl<{ id: number }>({ firstParams: { continue: 'true', perPage: 10 } });
    const all = await paginate(fetch, `${BASE}/data/contents?owner=demo`, strategy).all();
    expect(ids(all)).toEqual(ids(items));
    expect(traffic.requests).toHaveLength(3);
    expect(traffic.requests.every((r) => new URL(r.url).searchParams.get('owner') === 'demo')).toBe(true);
  });
});

describe('paginate', () => {
  it('a break sends no further request', async () => {
    use(paginatedCollection(items, 'pageNumber', { url: `${BASE}/repos` }));
    for await (const page of paginate(fetch, `${BASE}/repos`, pageNumber({ perPage: 5 }))) {
      if (page.index === 1) break;
    }
    expect(traffic.requests).toHaveLength(2);
  });

  it('items() yields items lazily and a break stops fetching', async () => {
    use(paginatedCollection(items, 'pageNumber', { url: `${BASE}/repos` }));
    const seen: number[] = [];
    for await (const item of paginate(fetch, `${BASE}/repos`, pageNumber<{ id: number }>({ perPage: 5 })).items()) {
      seen.push(item.id);
      if (item.id === 7) break;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(traffic.requests).toHaveLength(2);
  });

  it('every request of one paginate call shares one correlation id; each iteration gets a new one', async () => {
    use(paginatedCollection(items, 'skipTake', { url: `${BASE}/api/projects` }));
    // The real correlationId middleware, with the Sequoia prefix: the operation scope lets
    // it make the id (prefix included) once, then reuse it for every page.
    const pipeline = compose([correlationId({ userId: 'u1', applicationId: 'app' })]);
    const pager = paginate(pipeline, `${BASE}/api/projects`, skipTake({ take: 10 }));
    const pages = [];
    for await (const page of pager) pages.push(page);
    const idsSent = new Set(traffic.requests.map((r) => r.correlationId));
    expect(traffic.requests).toHaveLength(3);
    expect(idsSent.size).toBe(1);
    expect([...idsSent][0]).toMatch(/^u1\/app\/[0-9a-f-]{36}$/);
    expect([...idsSent][0]).toBe(pages[0]?.correlationId);
    expect(pages.map((page) => page.correlationId)).toEqual([pages[0]?.correlationId, pages[0]?.correlationId, pages[0]?.correlationId]);
    expect(traffic.requests.map((r) => r.attempt)).toEqual([1, 1, 1]);

    await pager.all();
    expect(new Set(traffic.requests.map((r) => r.correlationId)).size).toBe(2);
  });

  it('takes a fixed correlation id, a generator, or none; and a client-like { fetch } source', async () => {
    use(paginatedCollection(items, 'pageNumber', { url: `${BASE}/repos` }));
    const client = { fetch: compose([tagging]) };
    await paginate(client, `${BASE}/repos`, pageNumber({ perPage: 10 }), { correlationId: 'op-1' }).all();
    await paginate(client, `${BASE}/repos`, pageNumber({ perPage: 10 }), { correlationId: () => 'gen-1' }).all();
    await paginate(client, `${BASE}/repos`, pageNumber({ perPage: 10 }), { correlationId: false }).all();
    expect(traffic.requests.map((r) => r.correlationId)).toEqual(['op-1', 'op-1', 'op-1', 'gen-1', 'gen-1', 'gen-1', undefined, undefined, undefined]);
  });

  it('maxItems reproduces the Octopus limit: cuts the collection and emits a warning', async () => {
    use(paginatedCollection(items, 'skipTake', { url: `${BASE}/api/releases` }));
    const events: PaginationEvent[] = [];
    const all = await paginate(fetch, `${BASE}/api/releases`, skipTake<{ id: number }>({ take: 5 }), {
      maxItems: 12,
      onEvent: (event) => events.push(event),
    }).all();
    expect(ids(all)).toEqual(ids(items.slice(0, 12)));
    expect(traffic.requests).toHaveLength(3);
    const warnings = events.filter((event) => event.type === 'warning');
    expect(warnings).toEqual([expect.objectContaining({ code: 'maxItems', limit: 12, message: 'Reached the limit of 12 items; skipping the rest.' })]);
    expect(events.filter((event) => event.type === 'page').map((event) => (event.type === 'page' ? event.itemCount : 0))).toEqual([5, 5, 2]);
  });

  it('maxItems equal to the collection size emits no warning', async () => {
    use(paginatedCollection(items, 'skipTake', { url: `${BASE}/api/releases` }));
    const onEvent = vi.fn();
    const all = await paginate(fetch, `${BASE}/api/releases`, skipTake({ take: 5 }), { maxItems: 23, onEvent }).all();
    expect(all).toHaveLength(23);
    expect(onEvent.mock.calls.some(([event]) => event.type === 'warning')).toBe(false);
  });

  it('maxPages stops with a warning and no further request', async () => {
    use(paginatedCollection(items, 'pageNumber', { url: `${BASE}/repos` }));
    const onEvent = vi.fn();
    const all = await paginate(fetch, `${BASE}/repos`, pageNumber({ perPage: 5 }), { maxPages: 2, onEvent }).all();
    expect(all).toHaveLength(10);
    expect(traffic.requests).toHaveLength(2);
    expect(onEvent).toHaveBeenCalledWith(expect.objectContaining({ type: 'warning', code: 'maxPages', message: 'Reached the limit of 2 pages; skipping the rest.' }));
  });

  it('all() has a guard against unbounded collections', async () => {
    use(paginatedCollection(items, 'pageNumber', { url: `${BASE}/repos` }));
    const pager = paginate(fetch, `${BASE}/repos`, pageNumber({ perPage: 5 }));
    const error = await pager.all({ limit: 8 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PaginationError);
    expect((error as PaginationError).message).toBe(
      'all() stopped at 8 items and more remain; pass "maxItems" to cap the collection, a higher "limit", or iterate with items().',
    );
    expect(traffic.requests).toHaveLength(2);
  });

  it('a strategy returning the same next page twice throws instead of looping', async () => {
    server.use(...traffic.handlers, http.get(`${BASE}/stuck`, () => HttpResponse.json({ data: [1], next_cursor: 'same' })));
    const pages: number[] = [];
    const run = async () => {
      for await (const page of paginate(fetch, `${BASE}/stuck`, cursor())) pages.push(page.index);
    };
    await expect(run()).rejects.toThrow(PaginationError);
    await expect(run()).rejects.toThrow(/The cursor strategy returned the page https:\/\/api\.test\/stuck\?cursor=same a second time \(after page 2\)/);
    expect(pages).toEqual([0, 1, 0, 1]);
  });

  it('a next link that differs only by its #fragment is the same page: PaginationError, not a loop', async () => {
    let hits = 0;
    server.use(
      ...traffic.handlers,
      http.get(`${BASE}/items`, () => {
        hits++;
        return HttpResponse.json([hits], { headers: { link: `</items?page=1#p${hits}>; rel="next"` } });
      }),
    );
    const error = await paginate(fetch, `${BASE}/items?page=1`, linkHeader({ items: null }), { maxPages: 200 })
      .all()
      .then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(PaginationError);
    expect((error as Error).message).toBe(
      'The linkHeader strategy returned the page https://api.test/items?page=1 a second time (after page 1); stopping instead of looping.',
    );
    expect(traffic.requests.map((request) => request.url)).toEqual([`${BASE}/items?page=1`]);
  });

  it('a next link that only reorders the query of a page already fetched is that page', async () => {
    server.use(
      ...traffic.handlers,
      http.get(`${BASE}/reorder`, ({ request }) => {
        const page = new URL(request.url).searchParams.get('page') ?? '1';
        return HttpResponse.json([Number(page)], { headers: { link: page === '1' ? '</reorder?page=2&a=1>; rel="next"' : '</reorder?a=1&page=2>; rel="next"' } });
      }),
    );
    await expect(paginate(fetch, `${BASE}/reorder`, linkHeader({ items: null })).all()).rejects.toThrow(
      'The linkHeader strategy returned the page https://api.test/reorder?a=1&page=2 a second time (after page 2); stopping instead of looping.',
    );
    expect(traffic.requests).toHaveLength(2);
  });

  it('empty pages with a new cursor each time stop at maxEmptyPages (default 100) with a PaginationError', async () => {
    let served = 0;
    server.use(
      http.get(`${BASE}/empty`, () => {
        served++;
        return HttpResponse.json({ data: [], next_cursor: `c${served}` });
      }),
    );
    const error = await paginate(fetch, `${BASE}/empty`, cursor())
      .all()
      .then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(PaginationError);
    expect((error as Error).message).toBe(
      'The cursor strategy gave 100 empty pages in a row (up to page 100) and still a next page; stopping instead of paging forever. Pass a higher "maxEmptyPages" (default 100) if the API really does that.',
    );
    expect(served).toBe(100);
    served = 0;
    const few = await paginate(fetch, `${BASE}/empty`, cursor(), { maxEmptyPages: 3 })
      .all()
      .then(() => undefined, (caught: unknown) => caught);
    expect((few as Error).message).toMatch(/^The cursor strategy gave 3 empty pages in a row \(up to page 3\)/);
    expect(served).toBe(3);
  });

  it("empty pages between full ones do not count: only a run of maxEmptyPages in a row fails", async () => {
    const pages = [[1], [], [], [2], [], [], [3]];
    server.use(
      http.get(`${BASE}/gappy`, ({ request }) => {
        const at = Number(new URL(request.url).searchParams.get('cursor') ?? 0);
        return HttpResponse.json({ data: pages[at], next_cursor: at + 1 < pages.length ? String(at + 1) : null });
      }),
    );
    await expect(paginate(fetch, `${BASE}/gappy`, cursor(), { maxEmptyPages: 3 }).all()).resolves.toEqual([1, 2, 3]);
    expect(() => paginate(fetch, `${BASE}/gappy`, cursor(), { maxEmptyPages: 1.5 })).toThrow('paginate(): "maxEmptyPages" must be a positive integer, got 1.5.');
  });

  it('a non-2xx page fails with a PaginationError naming page and status (secrets redacted)', async () => {
    server.use(http.get(`${BASE}/broken`, () => new HttpResponse('nope', { status: 500, statusText: 'Internal Server Error' })));
    const error = await paginate(fetch, `${BASE}/broken?token=s3cret`, pageNumber())
      .all()
      .then(() => undefined, (caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(PaginationError);
    expect(error?.message).toMatch(/^Page 1 \(GET https:\/\/api\.test\/broken\?\S*token=%5BREDACTED%5D\S*\) failed with 500 Internal Server Error\.$/);
    expect(error?.message).not.toContain('s3cret');
  });

  it('a body that is not JSON fails with ResponseParseError; a body without items with PaginationError', async () => {
    server.use(
      http.get(`${BASE}/html`, () => HttpResponse.text('<html>')),
      http.get(`${BASE}/object`, () => HttpResponse.json({ values: 'no' })),
    );
    await expect(paginate(fetch, `${BASE}/html`, pageNumber()).all()).rejects.toBeInstanceOf(ResponseParseError);
    await expect(paginate(fetch, `${BASE}/object`, offset()).all()).rejects.toThrow(
      'The offset strategy expected an array of items in "values" of the body, but found string.',
    );
  });

  it('a caller abort stops the paging with the signal reason', async () => {
    use(paginatedCollection(items, 'pageNumber', { url: `${BASE}/repos` }));
    const controller = new AbortController();
    const reason = new DOMException('stop', 'AbortError');
    const run = async () => {
      for await (const page of paginate(fetch, `${BASE}/repos`, pageNumber({ perPage: 5 }), { signal: controller.signal })) {
        if (page.index === 0) controller.abort(reason);
      }
    };
    await expect(run()).rejects.toBe(reason);
    expect(traffic.requests).toHaveLength(1);
  });

  it('passes init (headers) on every request and resolves a relative input against baseUrl', async () => {
    use(paginatedCollection(items, 'pageNumber', { url: `${BASE}/repos` }));
    await paginate(fetch, '/repos', pageNumber({ perPage: 10 }), { baseUrl: BASE, init: { headers: { 'x-api-key': 'k', accept: 'application/json' } } }).all();
    expect(traffic.requests.map((r) => r.headers['x-api-key'])).toEqual(['[REDACTED]', '[REDACTED]', '[REDACTED]']);
    expect(traffic.requests.every((r) => r.headers['accept'] === 'application/json')).toBe(true);
  });

  it('accepts a custom strategy', async () => {
    use(paginatedCollection(items, 'pageNumber', { url: `${BASE}/repos` }));
    const single: PaginationStrategy<{ id: number }> = { name: 'single', first: (url) => url, items: (body) => body as { id: number }[], next: () => undefined };
    expect(await paginate(fetch, `${BASE}/repos`, single).all()).toHaveLength(10);
  });

  it('rejects bad input with a TypeError at creation', () => {
    expect(() => paginate(42 as never, `${BASE}/x`, pageNumber())).toThrow(
      new TypeError('paginate(): the first argument must be a fetch function or an object with a "fetch" function (a Sluice client).'),
    );
    expect(() => paginate(fetch, `${BASE}/x`, {} as never)).toThrow(/"strategy" must have first\(\), items\(\) and next\(\)/);
    expect(() => paginate(fetch, `${BASE}/x`, pageNumber(), { maxItems: 0 })).toThrow(new TypeError('paginate(): "maxItems" must be a positive integer, got 0.'));
    expect(() => paginate(fetch, `${BASE}/x`, pageNumber(), { maxPages: 1.5 })).toThrow('paginate(): "maxPages" must be a positive integer, got 1.5.');
    expect(() => paginate(fetch, 'relative/path', pageNumber())).toThrow('paginate(): cannot resolve the URL "relative/path"; pass an absolute URL or a "baseUrl".');
    expect(() => offset({ pageSize: -1 })).toThrow('offset(): "pageSize" must be a positive integer, got -1.');
    expect(() => skipTake({ items: '' })).toThrow(/skipTake\(\): "items" must be a property name/);
    expect(() => pageNumber({ firstPage: -1 })).toThrow('pageNumber(): "firstPage" must be an integer ≥ 0, got -1.');
    expect(() => cursor({ param: '' })).toThrow('cursor(): "param" must be a non-empty string, got .');
    expect(() => linkHeader({ rel: '' })).toThrow('linkHeader(): "rel" must be a non-empty string, got .');
    expect(() => nextUrl({ firstParams: null as never })).toThrow(/nextUrl\(\): "firstParams" must be an object/);
  });
});
