import { type SluiceEvent, UnauthorizedError } from '@sluice/core';
import { oauthServer, recorder } from '@sluice/testing';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectSequoia, SequoiaError } from '../src/sequoia/client.js';
import { Criteria, field, Inclusion, StringExpressionFactory } from '../src/sequoia/criteria.js';
import { sequoiaApi } from '../src/sequoia/simulated-api.js';
import { useServer } from '@sluice/testing/node';

const ORIGIN = 'https://sequoia.test';
const REGISTRY = `${ORIGIN}/registry/services/demo`;
const contents = Array.from({ length: 5 }, (_, i) => ({ ref: `demo:c${i + 1}`, name: `Content ${i + 1}`, type: i % 2 ? 'episode' : 'movie' }));
const assets = Array.from({ length: 5 }, (_, i) => ({ ref: `demo:a${i + 1}`, contentRef: 'demo:c1', name: `Asset ${i + 1}` }));

const server = useServer({ beforeAll, afterEach, afterAll });

const resources = { metadata: ['contents', 'assets'] } as const;

describe('criteria', () => {
  it('renders filters, inclusions and fields to a query string', () => {
    const criteria = new Criteria()
      .addCriterion(field('contentRef').equalTo('testmock:sampleContent'))
      .add({ criterion: StringExpressionFactory.field('engine').equalTo('diesel') })
      .addInclusion(Inclusion.resource('assets').fields('name', 'ref'))
      .add({ inclusion: Inclusion.resource('categories') });
    expect([...criteria.toSearchParams()]).toEqual([
      ['withContentRef', 'testmock:sampleContent'],
      ['withEngine', 'diesel'],
      ['include', 'assets,categories'],
      ['fields', 'assets.name,assets.ref'],
    ]);
    expect(criteria.inclusions).toEqual(['assets', 'categories']);
  });

  it('rejects bad input with a TypeError naming it', () => {
    expect(() => field('').equalTo('x')).toThrow(/field\(\): the field name/);
    expect(() => field('ref').equalTo('')).toThrow(/field\("ref"\)\.equalTo\(\)/);
    expect(() => Inclusion.resource('assets').fields()).toThrow(/give one or more field names/);
    expect(() => new Criteria().addInclusion(Inclusion.resource('a')).addInclusion(Inclusion.resource('a'))).toThrow(/already included/);
    expect(() => new Criteria().add({})).toThrow(/give a "criterion", an "inclusion"/);
  });
});

describe('registry discovery and endpoints', () => {
  it('maps service names to base URLs and exposes client.metadata.contents with read, browse and store', async () => {
    const api = sequoiaApi({ contents });
    server.use(...api.handlers);
    const client = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'NO_AUTH' }, resources });
    expect(client.services.get('metadata')).toBe(`${ORIGIN}/metadata`);

    const read = await client.metadata.contents.read('demo', 'demo:c2');
    expect(read.resources).toEqual([contents[1]]);

    const browsed = await client.metadata.contents.browse('demo', new Criteria().addCriterion(field('type').equalTo('movie'))).first();
    expect(browsed.resources.map((c) => c['ref'])).toEqual(['demo:c1', 'demo:c3', 'demo:c5']);

    const stored = await client.metadata.assets.store('demo', { ref: 'demo:new', contentRef: 'demo:c2' });
    expect(stored.resources).toEqual([{ ref: 'demo:new', contentRef: 'demo:c2' }]);
    expect(api.requests.at(-1)).toMatchObject({ method: 'POST', url: '/metadata/data/assets?owner=demo' });
    expect(api.requests.at(-1)?.contentType).toBe('application/vnd.piksel+json');
    expect(client.endpoint('metadata', 'contents').location).toBe(`${ORIGIN}/metadata`);
  });

  it('fails with a SequoiaError naming the known services when a service is unknown', async () => {
    server.use(...sequoiaApi().handlers);
    await expect(connectSequoia({ registryUrl: REGISTRY, auth: { type: 'NO_AUTH' }, resources: { workflow: ['profiles'] } })).rejects.toThrow(
      new SequoiaError('The registry has no service "workflow" (known: metadata, identity).'),
    );
  });

  it('fails on a registry error and on bad options', async () => {
    server.use(...sequoiaApi().handlers);
    await expect(connectSequoia({ registryUrl: `${ORIGIN}/registry/services/other`, auth: { type: 'NO_AUTH' } })).rejects.toMatchObject({ status: 404 });
    await expect(connectSequoia({ registryUrl: 'nope', auth: { type: 'NO_AUTH' } })).rejects.toThrow(/"registryUrl" must be an absolute URL/);
    await expect(connectSequoia({ registryUrl: REGISTRY, auth: { type: 'BYO_TOKEN', token: '' } })).rejects.toThrow(/BYO_TOKEN needs a non-empty "token"/);
    await expect(connectSequoia({ registryUrl: REGISTRY, auth: { type: 'NO_AUTH' }, resources: { http: ['x'] } })).rejects.toThrow(/reserved/);
  });
});

describe('browse pagination', () => {
  it('follows meta.continue through every page, all sharing one correlation id', async () => {
    const api = sequoiaApi({ contents });
    server.use(...api.handlers);
    const client = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'NO_AUTH' }, resources, userId: 'user123', applicationId: 'app101' });
    const browse = client.metadata.contents.browse('demo', new Criteria(), { perPage: 2 });
    const pages: string[][] = [];
    for await (const page of browse) pages.push(page.resources.map((c) => String(c['ref'])));
    expect(pages).toEqual([['demo:c1', 'demo:c2'], ['demo:c3', 'demo:c4'], ['demo:c5']]);
    const pageRequests = api.requests.filter((r) => r.url.startsWith('/metadata/data/contents'));
    expect(pageRequests).toHaveLength(3);
    expect(pageRequests[0]?.url).toContain('continue=true');
    expect(new Set(pageRequests.map((r) => r.correlationId))).toEqual(new Set([browse.correlationId]));
    expect(browse.correlationId).toMatch(/^user123\/app101\/[0-9a-f-]{36}$/);
  });

  it('pages through linked resources of an inclusion', async () => {
    const api = sequoiaApi({ contents, assets, linkedPerPage: 2 });
    server.use(...api.handlers);
    const client = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'NO_AUTH' }, resources });
    const browse = client.metadata.contents.browse('demo', new Criteria().addCriterion(field('ref').equalTo('demo:c1')).addInclusion(Inclusion.resource('assets')));
    const linked: string[][] = [];
    for await (const page of browse.linked('assets')) linked.push(page.map((a) => String(a['ref'])));
    expect(linked).toEqual([['demo:a1', 'demo:a2'], ['demo:a3', 'demo:a4'], ['demo:a5']]);
    const ids = new Set(api.requests.filter((r) => r.url.startsWith('/metadata/')).map((r) => r.correlationId));
    expect(ids).toEqual(new Set([browse.correlationId]));
    expect(() => browse.linked('categories')).toThrow(/"categories" is not an inclusion of this browse \(included: assets\)/);
  });
});

/** The identity service (client `svc`, secret `s3cret`) and the simulated API that checks its tokens. */
function guardedApi() {
  const oauth = oauthServer({ issuer: 'https://identity.sequoia.test', clients: [{ clientId: 'svc', clientSecret: 's3cret' }] });
  const verify = async (request: Request) => {
    const verdict = await oauth.verify(request);
    return verdict.ok ? undefined : verdict.response;
  };
  server.use(...oauth.handlers, ...sequoiaApi({ contents, identityUrl: oauth.issuer, authorize: verify }).handlers);
  return oauth;
}

describe('auth types', () => {
  it('CLIENT_GRANT fetches a token from the identity service and sends it only to service origins', async () => {
    const oauth = guardedApi();
    const client = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'CLIENT_GRANT', clientId: 'svc', clientSecret: 's3cret' }, resources });
    expect((await client.metadata.contents.read('demo', 'demo:c1')).resources).toHaveLength(1);
    expect((await client.metadata.contents.browse('demo').first()).resources).toHaveLength(5);
    expect(oauth.stats.tokenCalls).toBe(1);
  });

  it('CLIENT_GRANT with a byoToken uses it first, and a wrong secret fails with a typed error', async () => {
    const oauth = guardedApi();
    const byoToken = await oauth.issueToken('svc');
    const withByo = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'CLIENT_GRANT', clientId: 'svc', clientSecret: 's3cret', byoToken }, resources });
    await withByo.metadata.contents.read('demo', 'demo:c1');
    expect(oauth.stats.tokenCalls).toBe(0);

    const wrong = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'CLIENT_GRANT', clientId: 'svc', clientSecret: 'wrong' }, resources });
    await expect(wrong.metadata.contents.read('demo', 'demo:c1')).rejects.toMatchObject({ name: 'AuthError' });
  });

  it('BYO_TOKEN sends the token as is; an expired one is an UnauthorizedError (never refreshed)', async () => {
    const traffic = recorder();
    const api = sequoiaApi({
      contents,
      authorize: (request) => (request.headers.get('authorization') === 'Bearer good' ? undefined : HttpResponse.json({ error: 'invalid_token' }, { status: 401 })),
    });
    server.use(...traffic.handlers, ...api.handlers);
    const client = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'BYO_TOKEN', token: 'good' }, resources });
    await client.metadata.contents.read('demo', 'demo:c1');
    const bad = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'BYO_TOKEN', token: 'expired' }, resources });
    await expect(bad.metadata.contents.read('demo', 'demo:c1')).rejects.toBeInstanceOf(UnauthorizedError);
    // The registry call carries no credentials.
    expect(traffic.requests.filter((r) => r.url.includes('/registry/')).every((r) => r.headers['authorization'] === undefined)).toBe(true);
  });

  it('NO_AUTH sends no Authorization header', async () => {
    const traffic = recorder();
    server.use(...traffic.handlers, ...sequoiaApi({ contents }).handlers);
    const client = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'NO_AUTH' }, resources });
    await client.metadata.contents.read('demo', 'demo:c1');
    expect(traffic.requests.every((r) => r.headers['authorization'] === undefined)).toBe(true);
  });
});

describe('content type and correlation ids', () => {
  it('sends the default content type, or a custom one, as Content-Type and Accept', async () => {
    const api = sequoiaApi({ contents });
    server.use(...api.handlers);
    const piksel = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'NO_AUTH' }, resources });
    await piksel.metadata.contents.read('demo', 'demo:c1');
    expect(api.requests.at(-1)).toMatchObject({ accept: 'application/vnd.piksel+json', contentType: 'application/vnd.piksel+json' });
    const json = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'NO_AUTH' }, resources, contentType: 'application/json' });
    await json.metadata.contents.store('demo', { ref: 'demo:c9' });
    expect(api.requests.at(-1)).toMatchObject({ method: 'POST', accept: 'application/json', contentType: 'application/json' });
    await expect(connectSequoia({ registryUrl: REGISTRY, auth: { type: 'NO_AUTH' }, contentType: 'json' })).rejects.toThrow(/"contentType" must be a media type/);
  });

  it('uses a fixed id on every request, over userId/applicationId', async () => {
    const api = sequoiaApi({ contents });
    server.use(...api.handlers);
    const client = await connectSequoia({
      registryUrl: REGISTRY,
      auth: { type: 'NO_AUTH' },
      resources,
      correlationId: 'custom_correlation_id_1234',
      userId: 'user123',
      applicationId: 'app101',
    });
    await client.metadata.contents.read('demo', 'demo:c1');
    for await (const _page of client.metadata.contents.browse('demo', new Criteria(), { perPage: 2 })) {
      // every page
    }
    const ids = api.requests.filter((r) => r.url.startsWith('/metadata/')).map((r) => r.correlationId);
    expect(ids.length).toBe(4);
    expect(new Set(ids)).toEqual(new Set(['custom_correlation_id_1234']));
  });

  it('makes one prefixed id per operation; with only userId there is no prefix', async () => {
    const api = sequoiaApi({ contents });
    server.use(...api.handlers);
    const client = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'NO_AUTH' }, resources, userId: 'user123', applicationId: 'app101' });
    await client.metadata.contents.browse('demo').first();
    await client.metadata.contents.browse('demo').first();
    const [a, b] = api.requests.filter((r) => r.url.startsWith('/metadata/')).map((r) => r.correlationId);
    expect(a).toMatch(/^user123\/app101\//);
    expect(b).toMatch(/^user123\/app101\//);
    expect(a).not.toBe(b);

    const half = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'NO_AUTH' }, resources, userId: 'user123' });
    await half.metadata.contents.read('demo', 'demo:c1');
    expect(api.requests.at(-1)?.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('backoff strategy and retry_when_empty_result', () => {
  /** A contents endpoint that fails `failures` times with `status`, then answers. */
  const failing = (status: number, failures: number) => {
    let calls = 0;
    return {
      handler: http.get(`${ORIGIN}/metadata/data/contents/:ref`, () =>
        ++calls <= failures ? HttpResponse.json({ error: 'not yet' }, { status }) : HttpResponse.json({ contents: [{ ref: 'demo:c1' }] }),
      ),
      calls: () => calls,
    };
  };

  it('uses the client strategy (maxTries, retryHttpStatusCodes) and a per-call strategy that replaces it', async () => {
    server.use(...sequoiaApi().handlers);
    const events: SluiceEvent[] = [];
    const client = await connectSequoia({
      registryUrl: REGISTRY,
      auth: { type: 'NO_AUTH' },
      resources,
      backoffStrategy: { waitGen: 'constant', interval: 0, maxTries: 3, retryHttpStatusCodes: [404] },
      onEvent: (event) => events.push(event),
    });
    const flaky = failing(404, 2);
    server.use(flaky.handler);
    expect((await client.metadata.contents.read('demo', 'demo:c1')).resources).toHaveLength(1);
    expect(flaky.calls()).toBe(3);
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(2);

    // The client allows 3 tries: 4 failures are too many...
    const worse = failing(404, 4);
    server.use(worse.handler);
    await expect(client.metadata.contents.read('demo', 'demo:c1')).rejects.toMatchObject({ name: 'NotFoundError', attempts: 3 });

    // ...but a per-call strategy of 6 tries gets through.
    const again = failing(404, 4);
    server.use(again.handler);
    const page = await client.metadata.contents.read('demo', 'demo:c1', { backoffStrategy: { maxTries: 6, retryHttpStatusCodes: [404] } });
    expect(page.resources).toHaveLength(1);
    expect(again.calls()).toBe(5);
  });

  it('rejects a bad strategy with a TypeError naming the field', async () => {
    server.use(...sequoiaApi().handlers);
    await expect(connectSequoia({ registryUrl: REGISTRY, auth: { type: 'NO_AUTH' }, backoffStrategy: { maxTries: 0 } })).rejects.toThrow(/"maxTries" must be an integer ≥ 1/);
    const client = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'NO_AUTH' }, resources });
    await expect(client.metadata.contents.read('demo', 'x', { backoffStrategy: { waitGen: 'linear' as 'expo' } })).rejects.toThrow(/"waitGen" must be 'constant' or 'expo'/);
    await expect(client.metadata.contents.read('demo', 'x', { retryWhenEmptyResult: 'yes' as unknown as boolean })).rejects.toThrow(/"retryWhenEmptyResult" must be a boolean/);
  });

  it('retries while the result is empty (boolean), until the stored content shows up', async () => {
    const api = sequoiaApi({ contents, visibleAfterReads: 2 });
    server.use(...api.handlers);
    const client = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'NO_AUTH' }, resources });
    await client.metadata.contents.store('demo', { ref: 'demo:late' });
    const page = await client.metadata.contents.read('demo', 'demo:late', { retryWhenEmptyResult: true });
    expect(page.resources).toEqual([{ ref: 'demo:late' }]);
    expect(api.requests.filter((r) => r.url.startsWith('/metadata/data/contents/demo%3Alate'))).toHaveLength(3);
  });

  it('checks only the resources set in a record, and returns the last response when tries run out', async () => {
    const api = sequoiaApi({ contents, assets: [] });
    server.use(...api.handlers);
    const client = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'NO_AUTH' }, resources, backoffStrategy: { maxTries: 3 } });
    const criteria = () => new Criteria().addCriterion(field('ref').equalTo('demo:c1')).addInclusion(Inclusion.resource('assets'));
    const count = () => api.requests.filter((r) => r.url.startsWith('/metadata/data/contents')).length;

    // contents present, assets not checked: one request.
    const relaxed = await client.metadata.contents.browse('demo', criteria(), { retryWhenEmptyResult: { contents: true, assets: false } }).first();
    expect(relaxed.resources).toHaveLength(1);
    expect(count()).toBe(1);

    // assets checked and missing: 3 tries, then the last (200) response is returned.
    const strict = await client.metadata.contents.browse('demo', criteria(), { retryWhenEmptyResult: { contents: true, assets: true } }).first();
    expect(strict.linked('assets')).toEqual([]);
    expect(count()).toBe(4);
  });

  it('takes retryWhenEmptyResult from the client strategy', async () => {
    const api = sequoiaApi({ contents, visibleAfterReads: 1 });
    server.use(...api.handlers);
    const client = await connectSequoia({ registryUrl: REGISTRY, auth: { type: 'NO_AUTH' }, resources, backoffStrategy: { retryWhenEmptyResult: true } });
    await client.metadata.contents.store('demo', { ref: 'demo:late' });
    const page = await client.metadata.contents.browse('demo', new Criteria().addCriterion(field('ref').equalTo('demo:late'))).first();
    expect(page.resources).toEqual([{ ref: 'demo:late' }]);
  });
});
