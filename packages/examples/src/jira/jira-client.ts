/**
 * Port Ocean's Jira integration: its
 * `JiraClient`, rebuilt on Sluice (the Octopus half is ../octopus). Feature map:
 * - OAuth bearer on api.atlassian.com, `BasicAuth(email, token)` elsewhere, and the
 *   matching `webhooks_url` → chosen in the {@link JiraClient} constructor (`bearer` /
 *   `basic` from @sluice/auth).
 * - `asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)` → the `concurrency` middleware
 *   ({@link JIRA_MAX_CONCURRENT_REQUESTS}).
 * - `_send_api_request`'s 429 + `Retry-After` sleep-and-recurse → the `retry` middleware
 *   and its shared rate-limit gate (bounded, abortable); `Timeout(30)` → `timeout`.
 * - `_get_paginated_data` (`startAt` offsets) → the `offset` paginator, behind
 *   {@link JiraClient.getPaginatedProjects} and {@link JiraClient.getPaginatedIssues}.
 * - `has_webhook_permission` / `create_webhooks` → {@link JiraClient.hasWebhookPermission}
 *   / {@link JiraClient.ensureWebhook} (idempotent).
 */
import { basic, bearer } from '@sluice/auth';
import { type FetchLike, offset, type RetryOptions, type SluiceEvent } from '@sluice/core';
import { createClient, type SluiceClient } from 'sluice';

/**
 * The integration's `MAX_CONCURRENT_REQUESTS`: the default of `maxConcurrentRequests`.
 *
 * @example
 * ```ts
 * const jira = new JiraClient({
 *   jiraUrl: 'https://acme.atlassian.net',
 *   email: 'me@acme.io',
 *   token: 'api-token',
 *   maxConcurrentRequests: JIRA_MAX_CONCURRENT_REQUESTS / 2,
 * });
 * ```
 */
export const JIRA_MAX_CONCURRENT_REQUESTS = 10;
/**
 * The integration's webhook events: the `events` of the webhook {@link JiraClient.ensureWebhook} creates.
 *
 * @example
 * ```ts
 * JIRA_WEBHOOK_EVENTS.includes('jira:issue_created'); // true
 * ```
 */
export const JIRA_WEBHOOK_EVENTS: readonly string[] = ['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted', 'project_created', 'project_updated', 'project_deleted'];

/**
 * Options of {@link JiraClient}.
 *
 * @example
 * ```ts
 * const options: JiraClientOptions = { jiraUrl: 'https://acme.atlassian.net', email: 'me@acme.io', token: 'api-token' };
 * ```
 */
export interface JiraClientOptions {
  /** The Jira base URL; `https://api.atlassian.com/...` means OAuth (bearer), anything else basic auth. */
  jiraUrl: string;
  email: string;
  /** An API token (basic auth) or an OAuth access token (bearer, on api.atlassian.com). */
  token: string;
  /** Most requests in flight at once. Default {@link JIRA_MAX_CONCURRENT_REQUESTS}. */
  maxConcurrentRequests?: number;
  /** Page size of the paginated calls. Default: the server's. */
  pageSize?: number;
  /** The integration identifier used in the webhook name. Default `'ocean'`. */
  integrationId?: string;
  /** Extra retry options. */
  retry?: Partial<RetryOptions>;
  /** The terminal fetch. */
  fetch?: FetchLike;
  /** Receives every pipeline event (e.g. `retry` events for 429s). */
  onEvent?: (event: SluiceEvent) => void;
  /** Log lines (info and warnings). Default: none. */
  log?: (level: 'info' | 'warning', message: string) => void;
}

/**
 * A Jira project (the fields this client reads).
 *
 * @example
 * ```ts
 * for await (const projects of jira.getPaginatedProjects()) {
 *   console.log(projects.map((project: JiraProject) => project.key));
 * }
 * ```
 */
export interface JiraProject {
  id: string;
  key: string;
  name?: string;
}

/**
 * A Jira issue (the fields this client reads).
 *
 * @example
 * ```ts
 * const issue: JiraIssue = await jira.getIssue('DEMO-1');
 * console.log(issue.key, issue.fields?.['summary']);
 * ```
 */
export interface JiraIssue {
  id: string;
  key: string;
  fields?: Record<string, unknown>;
}

/**
 * A registered webhook.
 *
 * @example
 * ```ts
 * const webhook: JiraWebhook = { name: 'ocean-real-time-webhook', url: 'https://my-app.example.com/integration/webhook', events: JIRA_WEBHOOK_EVENTS };
 * ```
 */
export interface JiraWebhook {
  name?: string;
  url: string;
  events?: readonly string[];
}

/**
 * What {@link JiraClient.ensureWebhook} did.
 *
 * @example
 * ```ts
 * const result: EnsureWebhookResult = await jira.ensureWebhook('https://my-app.example.com');
 * if (result === 'no-permission') console.warn('The token needs Jira Administrator rights.');
 * ```
 */
export type EnsureWebhookResult = 'created' | 'exists' | 'no-permission';

const OAUTH_HOST = 'api.atlassian.com';

/**
 * A Jira REST client in the shape of Ocean's `JiraClient`.
 *
 * @example
 * ```ts
 * const jira = new JiraClient({ jiraUrl: 'https://acme.atlassian.net', email: 'me@acme.io', token: 'api-token' });
 * for await (const projects of jira.getPaginatedProjects()) console.log(projects.map((p) => p.key));
 * await jira.ensureWebhook('https://my-app.example.com');
 * ```
 */
export class JiraClient {
  readonly jiraUrl: string;
  readonly apiUrl: string;
  readonly webhooksUrl: string;
  /** Whether requests use OAuth bearer auth (api.atlassian.com) rather than basic auth. */
  readonly isOAuthHost: boolean;
  /** The Sluice client underneath. */
  readonly http: SluiceClient;
  readonly #options: JiraClientOptions;

  constructor(options: JiraClientOptions) {
    if (!options || typeof options !== 'object') throw new TypeError('JiraClient: options must be an object.');
    const { jiraUrl, email, token, maxConcurrentRequests = JIRA_MAX_CONCURRENT_REQUESTS } = options;
    if (typeof jiraUrl !== 'string' || !URL.canParse(jiraUrl)) throw new TypeError(`JiraClient: "jiraUrl" must be an absolute URL, got ${String(jiraUrl)}.`);
    if (typeof token !== 'string' || token === '') throw new TypeError('JiraClient: "token" must be a non-empty string.');
    this.#options = options;
    this.jiraUrl = jiraUrl.replace(/\/+$/, '');
    this.isOAuthHost = new URL(this.jiraUrl).hostname === OAUTH_HOST;
    if (!this.isOAuthHost && (typeof email !== 'string' || email === '')) {
      throw new TypeError('JiraClient: "email" is required for basic auth (any host but api.atlassian.com).');
    }
    const rest = `${this.jiraUrl}/rest`;
    this.apiUrl = `${rest}/api/3`;
    this.webhooksUrl = this.isOAuthHost ? `${rest}/api/3/webhook` : `${rest}/webhooks/1.0/webhook`;
    this.http = createClient({
      baseUrl: this.jiraUrl,
      auth: this.isOAuthHost ? bearer(token) : basic(email, token),
      concurrency: maxConcurrentRequests,
      timeout: { attempt: 30_000, total: 120_000 },
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
  }

  /** One issue by key. */
  getIssue(key: string): Promise<JiraIssue> {
    return this.http.get(`${this.apiUrl}/issue/${encodeURIComponent(key)}`).json<JiraIssue>();
  }

  /** Pages of projects (`GET /project/search`, items in `values`). */
  getPaginatedProjects(params: Record<string, string> = {}): AsyncIterable<JiraProject[]> {
    this.#log('info', 'Getting projects from Jira');
    return this.#pages<JiraProject>(`${this.apiUrl}/project/search`, 'values', params);
  }

  /** Pages of issues (`GET /search`, items in `issues`), e.g. `{ jql: 'project = DEMO' }`. */
  getPaginatedIssues(params: Record<string, string> = {}): AsyncIterable<JiraIssue[]> {
    this.#log('info', 'Getting issues from Jira');
    return this.#pages<JiraIssue>(`${this.apiUrl}/search`, 'issues', params);
  }

  /** Whether the credentials have the ADMINISTER permission (needed for webhooks). */
  async hasWebhookPermission(): Promise<boolean> {
    this.#log('info', `Checking webhook permissions for Jira instance: ${this.jiraUrl}`);
    const body = await this.http.get(`${this.apiUrl}/mypermissions`, { searchParams: { permissions: 'ADMINISTER' } }).json<{
      permissions?: { ADMINISTER?: { havePermission?: boolean } };
    }>();
    return body?.permissions?.ADMINISTER?.havePermission === true;
  }

  /**
   * Registers the Ocean webhook `${appHost}/integration/webhook` unless it exists:
   * checks the permission first, then lists webhooks; running it twice creates one.
   */
  async ensureWebhook(appHost: string): Promise<EnsureWebhookResult> {
    if (typeof appHost !== 'string' || !URL.canParse(appHost)) throw new TypeError(`JiraClient.ensureWebhook: "appHost" must be an absolute URL, got ${String(appHost)}.`);
    if (!(await this.hasWebhookPermission())) {
      this.#log('warning', `Cannot create webhooks for ${this.jiraUrl}: Ensure the token has Jira Administrator rights.`);
      return 'no-permission';
    }
    const target = `${appHost.replace(/\/+$/, '')}/integration/webhook`;
    const listed = await this.http.get(this.webhooksUrl).json<JiraWebhook[] | { values?: JiraWebhook[] }>();
    const webhooks = Array.isArray(listed) ? listed : (listed?.values ?? []);
    if (webhooks.some((webhook) => webhook.url === target)) {
      this.#log('info', 'Ocean real time reporting webhook already exists');
      return 'exists';
    }
    const body = { name: `${this.#options.integrationId ?? 'ocean'}-real-time-webhook`, url: target, events: JIRA_WEBHOOK_EVENTS };
    await this.http.post(this.webhooksUrl, { json: body });
    this.#log('info', 'Ocean real time reporting webhook created');
    return 'created';
  }

  async *#pages<Item>(url: string, items: string, params: Record<string, string>): AsyncGenerator<Item[]> {
    const start = new URL(url);
    for (const [name, value] of Object.entries(params)) start.searchParams.set(name, value);
    const strategy = offset<Item>({ items, ...(this.#options.pageSize ? { pageSize: this.#options.pageSize } : {}) });
    for await (const page of this.http.paginate<Item>(start, strategy)) yield page.items;
  }

  #log(level: 'info' | 'warning', message: string): void {
    this.#options.log?.(level, message);
  }
}
