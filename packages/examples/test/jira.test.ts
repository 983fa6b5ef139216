import { ForbiddenError, type SluiceEvent } from '@sluice/core';
import { paginatedCollection, rateLimitedApi, recorder } from '@sluice/testing';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { JiraClient, type JiraWebhook } from '../src/jira/jira-client.js';
import { useServer } from '@sluice/testing/node';

const CLOUD = 'https://acme.atlassian.net';
const OAUTH = 'https://api.atlassian.com/ex/jira/cloud-1';

const server = useServer({ beforeAll, afterEach, afterAll });
afterEach(() => {
  vi.useRealTimers();
});

describe('auth chosen by host', () => {
  it('uses basic auth on a site URL and bearer on api.atlassian.com, with the matching webhook URL', async () => {
    const traffic = recorder();
    server.use(
      ...traffic.handlers,
      http.get('*/rest/api/3/issue/:key', ({ request, params }) => HttpResponse.json({ id: '1', key: params.key, auth: request.headers.get('authorization') })),
    );
    const basicJira = new JiraClient({ jiraUrl: CLOUD, email: 'me@acme.io', token: 'api-token' });
    const oauthJira = new JiraClient({ jiraUrl: OAUTH, email: '', token: 'oauth-token' });
    expect(basicJira.isOAuthHost).toBe(false);
    expect(basicJira.webhooksUrl).toBe(`${CLOUD}/rest/webhooks/1.0/webhook`);
    expect(oauthJira.isOAuthHost).toBe(true);
    expect(oauthJira.webhooksUrl).toBe(`${OAUTH}/rest/api/3/webhook`);
    const viaBasic = (await basicJira.getIssue('DEMO-1')) as unknown as { auth: string };
    const viaBearer = (await oauthJira.getIssue('DEMO-1')) as unknown as { auth: string };
    expect(viaBasic.auth).toBe(`Basic ${btoa('me@acme.io:api-token')}`);
    expect(viaBearer.auth).toBe('Bearer oauth-token');
    // The recorder never shows the credentials.
    expect(traffic.requests.every((r) => r.headers['authorization'] === '[REDACTED]')).toBe(true);
  });

  it('rejects bad options with a TypeError naming them', () => {
    expect(() => new JiraClient({ jiraUrl: 'acme', email: 'a', token: 't' })).toThrow(/"jiraUrl" must be an absolute URL/);
    expect(() => new JiraClient({ jiraUrl: CLOUD, email: '', token: 't' })).toThrow(/"email" is required for basic auth/);
    expect(() => new JiraClient({ jiraUrl: CLOUD, email: 'a', token: 't', maxConcurrentRequests: 0 })).toThrow(/"concurrency" must be a positive integer/);
  });
});

describe('concurrency limit (the semaphore)', () => {
  it('never has more than maxConcurrentRequests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    let held: { count: number; resolve: () => void } | undefined;
    /** Resolves once `count` requests are held by the server. */
    const holding = (count: number) =>
      new Promise<void>((resolve) => {
        if (release.length >= count) resolve();
        else held = { count, resolve };
      });
    server.use(
      http.get(`${CLOUD}/rest/api/3/issue/:key`, async ({ params }) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise<void>((resolve) => {
          release.push(resolve);
          if (held && release.length >= held.count) held.resolve();
        });
        inFlight--;
        return HttpResponse.json({ id: String(params.key), key: String(params.key) });
      }),
    );
    const jira = new JiraClient({ jiraUrl: CLOUD, email: 'me@acme.io', token: 't', maxConcurrentRequests: 3 });
    const all = Promise.all(Array.from({ length: 10 }, (_, i) => jira.getIssue(`DEMO-${i}`)));
    // Wait until the server holds as many requests as the limit allows, then release them as a batch.
    for (let served = 0; served < 10; ) {
      await holding(Math.min(3, 10 - served));
      const batch = release.splice(0);
      served += batch.length;
      for (const resolve of batch) resolve();
    }
    expect((await all).map((issue) => issue.key)).toHaveLength(10);
    expect(peak).toBe(3);
    expect(jira.http.stack.names()).toContain('concurrency');
  });
});

describe('429 Retry-After', () => {
  it('waits for Retry-After through the rate-limit gate and finishes every request', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const limited = rateLimitedApi({
      rate: 2,
      burst: 2,
      headers: 'retry-after',
      url: `${CLOUD}/rest/api/3/issue/:key`,
      respond: (request) => HttpResponse.json({ id: '1', key: new URL(request.url).pathname.split('/').at(-1) }),
    });
    server.use(...limited.handlers);
    const events: SluiceEvent[] = [];
    let onRetry!: () => void;
    const retried = new Promise<void>((resolve) => (onRetry = resolve));
    const jira = new JiraClient({
      jiraUrl: CLOUD,
      email: 'me@acme.io',
      token: 't',
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'retry') onRetry();
      },
    });
    const pending = Promise.all(['A-1', 'A-2', 'A-3'].map((key) => jira.getIssue(key)));
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    // The server's bucket and the client's gate both run on the faked clock: the 1 s Retry-After passes in no time.
    await retried;
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const issues = await pending;
    expect(issues.map((i) => i.key)).toEqual(['A-1', 'A-2', 'A-3']);
    expect(limited.stats.limited).toBeGreaterThanOrEqual(1);
    const retries = events.filter((e): e is Extract<SluiceEvent, { type: 'retry' }> => e.type === 'retry');
    expect(retries[0]?.reason).toBe('status 429');
    expect(retries[0]?.delayMs).toBe(1000);
  });

  it('gives up with a RateLimitError when the server asks for more than maxRetryAfter', async () => {
    server.use(http.get(`${CLOUD}/rest/api/3/issue/:key`, () => HttpResponse.json({}, { status: 429, headers: { 'retry-after': '3600' } })));
    const jira = new JiraClient({ jiraUrl: CLOUD, email: 'me@acme.io', token: 't' });
    await expect(jira.getIssue('A-1')).rejects.toMatchObject({ name: 'RateLimitError', retryAfter: 3_600_000 });
  });
});

describe('offset pagination', () => {
  const projects = Array.from({ length: 23 }, (_, i) => ({ id: String(i + 1), key: `P${i + 1}` }));
  const issues = Array.from({ length: 7 }, (_, i) => ({ id: String(i + 1), key: `DEMO-${i + 1}` }));

  it('pages projects (values) and issues (issues) with startAt/maxResults/total', async () => {
    const projectCollection = paginatedCollection(projects, 'offset', { url: `${CLOUD}/rest/api/3/project/search` });
    const issueCollection = paginatedCollection(issues, 'offset', { url: `${CLOUD}/rest/api/3/search`, itemsKey: 'issues', pageSize: 3 });
    server.use(...projectCollection.handlers, ...issueCollection.handlers);
    const jira = new JiraClient({ jiraUrl: CLOUD, email: 'me@acme.io', token: 't' });

    const projectPages: number[] = [];
    for await (const page of jira.getPaginatedProjects()) projectPages.push(page.length);
    expect(projectPages).toEqual([10, 10, 3]);
    expect(projectCollection.requests.map((u) => new URL(u).searchParams.get('startAt'))).toEqual(['0', '10', '20']);

    const keys: string[] = [];
    for await (const page of jira.getPaginatedIssues({ jql: 'project = DEMO' })) keys.push(...page.map((i) => i.key));
    expect(keys).toEqual(issues.map((i) => i.key));
    expect(issueCollection.requests.every((u) => new URL(u).searchParams.get('jql') === 'project = DEMO')).toBe(true);
  });

  it('stops fetching when the caller breaks', async () => {
    const collection = paginatedCollection(projects, 'offset', { url: `${CLOUD}/rest/api/3/project/search` });
    server.use(...collection.handlers);
    const jira = new JiraClient({ jiraUrl: CLOUD, email: 'me@acme.io', token: 't' });
    for await (const _page of jira.getPaginatedProjects()) break;
    expect(collection.requests).toHaveLength(1);
  });

  it('fails on a server error mid-way', async () => {
    server.use(http.get(`${CLOUD}/rest/api/3/project/search`, () => HttpResponse.json({ errorMessages: ['no'] }, { status: 400 })));
    const jira = new JiraClient({ jiraUrl: CLOUD, email: 'me@acme.io', token: 't' });
    await expect(async () => {
      for await (const _page of jira.getPaginatedProjects()) {
        // never reached
      }
    }).rejects.toMatchObject({ name: 'BadRequestError', status: 400 });
  });
});

describe('ensureWebhook', () => {
  function webhookApi(permission: boolean) {
    const webhooks: JiraWebhook[] = [];
    let posts = 0;
    return {
      webhooks,
      posts: () => posts,
      handlers: [
        http.get(`${CLOUD}/rest/api/3/mypermissions`, ({ request }) =>
          new URL(request.url).searchParams.get('permissions') === 'ADMINISTER'
            ? HttpResponse.json({ permissions: { ADMINISTER: { havePermission: permission } } })
            : HttpResponse.json({ errorMessages: ['permissions is required'] }, { status: 400 }),
        ),
        http.get(`${CLOUD}/rest/webhooks/1.0/webhook`, () => HttpResponse.json(webhooks)),
        http.post(`${CLOUD}/rest/webhooks/1.0/webhook`, async ({ request }) => {
          posts++;
          webhooks.push((await request.json()) as JiraWebhook);
          return HttpResponse.json({ ok: true }, { status: 201 });
        }),
      ],
    };
  }

  it('creates the webhook once; the second run finds it', async () => {
    const api = webhookApi(true);
    server.use(...api.handlers);
    const log: string[] = [];
    const jira = new JiraClient({ jiraUrl: CLOUD, email: 'me@acme.io', token: 't', integrationId: 'my-jira', log: (_level, m) => log.push(m) });
    expect(await jira.ensureWebhook('https://app.example.com/')).toBe('created');
    expect(await jira.ensureWebhook('https://app.example.com')).toBe('exists');
    expect(api.posts()).toBe(1);
    expect(api.webhooks[0]).toMatchObject({ name: 'my-jira-real-time-webhook', url: 'https://app.example.com/integration/webhook' });
    expect(log).toContain('Ocean real time reporting webhook already exists');
  });

  it('does nothing without the ADMINISTER permission, and a 403 is a ForbiddenError', async () => {
    const api = webhookApi(false);
    server.use(...api.handlers);
    const warnings: string[] = [];
    const jira = new JiraClient({ jiraUrl: CLOUD, email: 'me@acme.io', token: 't', log: (level, m) => level === 'warning' && warnings.push(m) });
    expect(await jira.ensureWebhook('https://app.example.com')).toBe('no-permission');
    expect(api.posts()).toBe(0);
    expect(warnings[0]).toMatch(/Ensure the token has Jira Administrator rights/);

    server.use(http.get(`${CLOUD}/rest/api/3/mypermissions`, () => HttpResponse.json({ errorMessages: ['forbidden'] }, { status: 403 })));
    await expect(jira.ensureWebhook('https://app.example.com')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(jira.ensureWebhook('not a url')).rejects.toThrow(/"appHost" must be an absolute URL/);
  });
});
