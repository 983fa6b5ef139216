/**
 * Sequoia's client SDK (Python),
 * rebuilt on Sluice. Feature map:
 * - `Client(registry_url, …)` with service discovery → {@link connectSequoia} (here).
 * - `auth_type` CLIENT_GRANT (with optional `byo_token`) / BYO_TOKEN / NO_AUTH →
 *   {@link SequoiaAuth}: `clientCredentials` + `tokenAuth`, or `bearer`, limited to the
 *   registry's origins (here).
 * - `auth_type` MUTUAL (two-way TLS, `client_cert` / `client_key` / `server_cert` paths) →
 *   `{ type: 'MUTUAL', clientCert, clientKey, serverCert }`: Node only. Without a `fetch`,
 *   connectSequoia loads ./mutual.ts with a dynamic `import()` (this file stays free of Node
 *   imports) and uses `mutualTlsFetch(paths)`, an undici `Agent` carrying cert, key and CA,
 *   as the client's fetch; `client.close()` closes it. Bundles that must not see undici
 *   build the fetch with ./mutual.ts elsewhere and pass it as `fetch`.
 * - `content_type` → `contentType` (default {@link SEQUOIA_CONTENT_TYPE}); `correlation_id`
 *   / `user_id` + `application_id` → the `correlationId` middleware: a fixed id, or a
 *   prefixed id per operation shared by its paging requests (here).
 * - `client.metadata.contents` endpoints with `read` / `browse` / `store`, browse paging
 *   through `continue` and `linked(name)` paging → ./endpoint.ts.
 * - `Criteria`, `StringExpressionFactory.field(…).equal_to(…)`, `Inclusion.resource(…).fields(…)`
 *   → ./criteria.ts.
 * - `backoff_strategy` (per client and per call, `retry_http_status_codes`, `max_time`
 *   default 120 s) and `retry_when_empty_result` → ./backoff-strategy.ts, fed to Sluice's
 *   `retry` middleware.
 * - a simulated Sequoia and an end-to-end run → ./simulated-api.ts, ./walkthrough.ts.
 */
import { bearer, clientCredentials, tokenAuth } from '@sluice/auth';
import { type FetchLike, newCorrelationId, type RetryOptions, SluiceError } from '@sluice/core';
import { createClient } from 'sluice';
import { type BackoffStrategy, DEFAULT_BACKOFF_STRATEGY, toRetryOptions } from './backoff-strategy.js';
import { Endpoint, type EndpointContext } from './endpoint.js';
import { SEQUOIA_CONTENT_TYPE, type SequoiaAuth, type SequoiaClientOptions, type SequoiaResources, type SequoiaClient } from './options.js';

export { SEQUOIA_CONTENT_TYPE } from './options.js';
export type {
  SequoiaAuth,
  SequoiaClientOptions,
  SequoiaResources,
  SequoiaServices,
  SequoiaClientBase,
  SequoiaClient,
} from './options.js';

/**
 * A registry or configuration problem of the Sequoia client.
 *
 * @example
 * ```ts
 * try { client.endpoint('nope', 'x'); } catch (error) { if (error instanceof SequoiaError) console.log(error.message); }
 * ```
 */
export class SequoiaError extends SluiceError {
  override name = 'SequoiaError';
}

const RESERVED = new Set(['services', 'http', 'endpoint', 'close']);

/**
 * Reads the registry, then builds the client: every request carries the content type,
 * a correlation id and the credentials (sent only to the registry's service origins).
 *
 * @example
 * ```ts
 * const client = await connectSequoia({
 *   registryUrl: 'https://registry.example.com/services/demo',
 *   auth: { type: 'CLIENT_GRANT', clientId: 'id', clientSecret: 'secret' },
 *   userId: 'user123',
 *   applicationId: 'app101',
 *   resources: { metadata: ['contents'] },
 * });
 * const page = await client.metadata.contents.browse('demo').first();
 *
 * // MUTUAL (Node): two-way TLS with the SDK's three PEM paths.
 * const mutual = await connectSequoia({
 *   registryUrl: 'https://registry.example.com/services/demo',
 *   auth: { type: 'MUTUAL', clientCert: '/certs/client_cert.pem', clientKey: '/certs/client_key.pem', serverCert: '/certs/server_cert.pem' },
 * });
 * await mutual.close();
 * ```
 */
export async function connectSequoia<const R extends SequoiaResources = Record<never, never>>(options: SequoiaClientOptions<R>): Promise<SequoiaClient<R>> {
  const settings = check(options);
  const { fetch, close } = await terminalFetch(options);
  try {
    return await build(options, settings, fetch, close);
  } catch (error) {
    await close();
    throw error;
  }
}

async function terminalFetch(options: SequoiaClientOptions<SequoiaResources>): Promise<{ fetch: FetchLike | undefined; close: () => Promise<void> }> {
  const auth = options.auth;
  if (auth.type !== 'MUTUAL' || options.fetch) return { fetch: options.fetch, close: async () => {} };
  // Node only, loaded on demand so that this module imports nothing from Node.
  const { mutualTlsFetch } = await import('./mutual.js');
  const fetch = await mutualTlsFetch({ clientCert: auth.clientCert, clientKey: auth.clientKey, serverCert: auth.serverCert });
  return { fetch, close: () => fetch.close() };
}

async function build<const R extends SequoiaResources>(
  options: SequoiaClientOptions<R>,
  settings: Settings,
  fetch: FetchLike | undefined,
  close: () => Promise<void>,
): Promise<SequoiaClient<R>> {
  const services = await discover(options.registryUrl, fetch, settings.contentType);
  const origins = [...new Set([...services.values()].map((location) => new URL(location).origin))];
  const auth = makeAuth(options.auth, services, origins, options.identityService ?? 'identity', fetch);
  const { userId, applicationId, correlationId } = options;
  const prefixed = userId && applicationId ? { userId, applicationId } : {};
  const http = createClient({
    headers: { accept: settings.contentType, 'content-type': settings.contentType },
    correlationId: correlationId ? { id: correlationId } : prefixed,
    retry: settings.retry,
    // The SDK retries up to max_tries; a retry budget would cut that short.
    retryBudget: false,
    ...(auth ? { auth } : {}),
    ...(fetch ? { fetch } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  const context: EndpointContext = {
    http,
    strategy: settings.strategy,
    retry: settings.retry,
    operationId: () => correlationId ?? newCorrelationId(prefixed),
  };
  const endpoint = (service: string, resource: string): Endpoint => {
    const location = services.get(service);
    if (location === undefined) {
      throw new SequoiaError(`The registry has no service "${service}" (known: ${[...services.keys()].join(', ') || 'none'}).`);
    }
    if (typeof resource !== 'string' || !/^[A-Za-z]\w*$/.test(resource)) throw new TypeError(`endpoint(): "resource" must be a word such as "contents", got ${JSON.stringify(resource)}.`);
    return new Endpoint(service, resource, location, context);
  };
  const client: Record<string, unknown> = { services, http, endpoint, close };
  for (const [service, resources] of Object.entries(options.resources ?? {})) {
    const endpoints: Record<string, Endpoint> = {};
    for (const resource of resources) endpoints[resource] = endpoint(service, resource);
    client[service] = Object.freeze(endpoints);
  }
  return Object.freeze(client) as SequoiaClient<R>;
}

/** The checked options: the backoff strategy is converted once, here. */
interface Settings {
  contentType: string;
  strategy: BackoffStrategy;
  retry: Partial<RetryOptions>;
}

function check(options: SequoiaClientOptions<SequoiaResources>): Settings {
  if (!options || typeof options !== 'object') throw new TypeError('connectSequoia: options must be an object.');
  if (typeof options.registryUrl !== 'string' || !URL.canParse(options.registryUrl)) {
    throw new TypeError(`connectSequoia: "registryUrl" must be an absolute URL, got ${String(options.registryUrl)}.`);
  }
  const contentType = options.contentType ?? SEQUOIA_CONTENT_TYPE;
  if (typeof contentType !== 'string' || !/^[\w.+-]+\/[\w.+-]+/.test(contentType)) {
    throw new TypeError(`connectSequoia: "contentType" must be a media type such as "application/json", got ${String(contentType)}.`);
  }
  const auth = options.auth as SequoiaAuth | undefined;
  const type = auth?.type;
  if (type === 'CLIENT_GRANT') {
    if (!auth || !('clientId' in auth) || !auth.clientId || !auth.clientSecret) throw new TypeError('connectSequoia: CLIENT_GRANT needs "clientId" and "clientSecret".');
  } else if (type === 'BYO_TOKEN') {
    if (!auth || !('token' in auth) || typeof auth.token !== 'string' || auth.token === '') throw new TypeError('connectSequoia: BYO_TOKEN needs a non-empty "token".');
  } else if (type === 'MUTUAL') {
    for (const name of ['clientCert', 'clientKey', 'serverCert'] as const) {
      const path = (auth as Partial<Record<typeof name, unknown>>)[name];
      if (typeof path !== 'string' || path === '') throw new TypeError(`connectSequoia: MUTUAL needs "${name}", the path of a PEM file.`);
    }
  } else if (type !== 'NO_AUTH') {
    throw new TypeError(`connectSequoia: "auth.type" must be CLIENT_GRANT, BYO_TOKEN, NO_AUTH or MUTUAL, got ${JSON.stringify(type)}.`);
  }
  for (const service of Object.keys(options.resources ?? {})) {
    if (RESERVED.has(service)) throw new TypeError(`connectSequoia: "resources" cannot use the name "${service}" (reserved by the client).`);
  }
  const strategy = { ...DEFAULT_BACKOFF_STRATEGY, ...(options.backoffStrategy ?? {}) };
  return { contentType, strategy, retry: toRetryOptions(strategy, 'connectSequoia: "backoffStrategy"') };
}

/** `GET registryUrl` → `{ services: [{ name, location }] }`, without credentials. */
async function discover(registryUrl: string, fetch: FetchLike | undefined, contentType: string): Promise<Map<string, string>> {
  const registry = createClient({ headers: { accept: contentType }, timeout: 30_000, ...(fetch ? { fetch } : {}) });
  const body = await registry.get(registryUrl).json<{ services?: Array<{ name?: unknown; location?: unknown }> }>();
  if (!body || !Array.isArray(body.services)) {
    throw new SequoiaError(`The registry at ${new URL(registryUrl).origin} answered without a "services" array.`);
  }
  const services = new Map<string, string>();
  for (const entry of body.services) {
    if (typeof entry?.name === 'string' && typeof entry.location === 'string' && URL.canParse(entry.location)) services.set(entry.name, entry.location);
  }
  return services;
}

function makeAuth(auth: SequoiaAuth, services: ReadonlyMap<string, string>, origins: string[], identity: string, fetch: FetchLike | undefined) {
  if (auth.type === 'NO_AUTH' || auth.type === 'MUTUAL') return undefined;
  if (auth.type === 'BYO_TOKEN') return bearer(auth.token, { origins });
  const identityUrl = services.get(identity);
  const tokenUrl = auth.tokenUrl ?? (identityUrl ? `${identityUrl.replace(/\/+$/, '')}/oauth/token` : undefined);
  if (!tokenUrl) throw new SequoiaError(`CLIENT_GRANT needs a token URL: the registry has no "${identity}" service; pass "auth.tokenUrl".`);
  return tokenAuth(
    clientCredentials({
      tokenUrl,
      clientId: auth.clientId,
      clientSecret: auth.clientSecret,
      ...(auth.byoToken ? { initialToken: auth.byoToken } : {}),
      ...(fetch ? { fetch } : {}),
    }),
    { origins },
  );
}
