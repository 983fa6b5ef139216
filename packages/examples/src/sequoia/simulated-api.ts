import { type HandlerSet, type RecordedRequest, recorder } from '@sluice/testing';
import { HttpResponse, http } from 'msw';

/**
 * Options of {@link sequoiaApi}.
 *
 * @example
 * ```ts
 * const options: SequoiaApiOptions = { contents: [{ ref: 'demo:c1', name: 'One' }], assets: [{ ref: 'demo:a1', contentRef: 'demo:c1' }] };
 * ```
 */
export interface SequoiaApiOptions {
  /** The owner in the registry path. Default `'demo'`. */
  owner?: string;
  /** The identity service's base URL in the registry. Default `{origin}/identity`. */
  identityUrl?: string;
  /** Initial contents (each with a `ref`). */
  contents?: readonly Record<string, unknown>[];
  /** Initial assets (each with `ref` and `contentRef`, linking it to a content). */
  assets?: readonly Record<string, unknown>[];
  /** Linked resources per page of a browse. Default 2. */
  linkedPerPage?: number;
  /** Newly stored resources stay invisible for this many reads of their collection (eventual consistency). Default 0. */
  visibleAfterReads?: number;
  /** Answers requests to the data service: a `Response` refuses one (e.g. a 401). */
  authorize?: (request: Request) => Response | undefined | Promise<Response | undefined>;
}

/**
 * The simulated Sequoia API (see {@link sequoiaApi}).
 *
 * @example
 * ```ts
 * const api: SequoiaApi = sequoiaApi();
 * console.log(api.requests.length);
 * ```
 */
export interface SequoiaApi extends HandlerSet {
  /**
   * Every request to the registry and the metadata service, in order: method, `path?query`,
   * correlation id and media types (token calls to the identity service are not included).
   */
  readonly requests: ReadonlyArray<SequoiaRequest>;
}

/**
 * One request seen by a {@link sequoiaApi}.
 *
 * @example
 * ```ts
 * const isStore = (request: SequoiaRequest) => request.method === 'POST';
 * ```
 */
export interface SequoiaRequest {
  method: string;
  /** `path?query` (secret query values redacted). */
  url: string;
  correlationId: string | null;
  contentType: string | null;
  accept: string | null;
}

type Resource = Record<string, unknown>;

/** The paths the simulated services answer; the recorder also sees whatever else reaches it. */
const SERVICE_PATH = /^\/(registry\/services|metadata\/data)\//;

function toSequoiaRequest(entry: RecordedRequest): SequoiaRequest {
  const url = new URL(entry.url);
  return {
    method: entry.method,
    url: url.pathname + url.search,
    correlationId: entry.correlationId ?? null,
    contentType: entry.headers['content-type'] ?? null,
    accept: entry.headers['accept'] ?? null,
  };
}

/**
 * A small Sequoia as msw handlers on any origin: the registry at
 * `/registry/services/{owner}` (services `metadata` at `{origin}/metadata` and `identity`),
 * and the metadata service's `/metadata/data/{resource}` with `read`, `browse` (filters
 * `with<Field>=`, `include=assets`, `continue` paging with `perPage`, linked-resource
 * pages through `meta.linked.assets.continue`) and `store`.
 *
 * @example
 * ```ts
 * import { setupServer } from 'msw/node';
 *
 * const server = setupServer(...sequoiaApi({ contents: [{ ref: 'demo:c1' }] }).handlers);
 * ```
 */
export function sequoiaApi(options: SequoiaApiOptions = {}): SequoiaApi {
  const { owner = 'demo', linkedPerPage = 2, visibleAfterReads = 0 } = options;
  const data: Record<string, Resource[]> = { contents: [...(options.contents ?? [])], assets: [...(options.assets ?? [])] };
  const hidden = new Map<Resource, number>();
  const traffic = recorder();
  const visible = (resource: string) => (data[resource] ?? []).filter((item) => !hidden.has(item));
  const afterRead = (resource: string) => {
    for (const item of data[resource] ?? []) {
      const left = hidden.get(item);
      if (left === undefined) continue;
      if (left <= 1) hidden.delete(item);
      else hidden.set(item, left - 1);
    }
  };
  const guard = async (request: Request) => (options.authorize ? await options.authorize(request) : undefined);

  return {
    get requests() {
      return traffic.requests.filter((entry) => SERVICE_PATH.test(new URL(entry.url).pathname)).map(toSequoiaRequest);
    },
    handlers: [
      ...traffic.handlers,
      http.get('*/registry/services/:owner', ({ request, params }) => {
        if (params.owner !== owner) return HttpResponse.json({ error: `unknown owner ${String(params.owner)}` }, { status: 404 });
        const origin = new URL(request.url).origin;
        return HttpResponse.json({
          services: [
            { name: 'metadata', owner, location: `${origin}/metadata` },
            { name: 'identity', owner, location: options.identityUrl ?? `${origin}/identity` },
          ],
        });
      }),
      http.get('*/metadata/data/:resource/:ref', async ({ request, params }) => {
        const refused = await guard(request);
        if (refused) return refused;
        const resource = String(params.resource);
        const found = visible(resource).filter((item) => item['ref'] === params.ref);
        afterRead(resource);
        if (!(resource in data)) return HttpResponse.json({ error: `no resource ${resource}` }, { status: 404 });
        return HttpResponse.json({ meta: {}, [resource]: found });
      }),
      http.get('*/metadata/data/:resource', async ({ request, params }) => {
        const refused = await guard(request);
        if (refused) return refused;
        const resource = String(params.resource);
        if (!(resource in data)) return HttpResponse.json({ error: `no resource ${resource}` }, { status: 404 });
        const url = new URL(request.url);
        if (url.searchParams.get('owner') !== owner) return HttpResponse.json({ error: 'owner is required' }, { status: 400 });
        let items = visible(resource);
        afterRead(resource);
        for (const [name, value] of url.searchParams) {
          const match = /^with([A-Z]\w*)$/.exec(name);
          if (!match?.[1]) continue;
          const field = match[1].charAt(0).toLowerCase() + match[1].slice(1);
          const wanted = value.split(',');
          items = items.filter((item) => wanted.includes(String(item[field])));
        }
        const token = url.searchParams.get('continue');
        const perPage = Number(url.searchParams.get('perPage') ?? '2');
        const start = token === null || token === 'true' ? 0 : Number(token);
        const end = start + perPage;
        const meta: Record<string, unknown> = { perPage };
        if (token !== null && end < items.length) {
          const next = new URL(url);
          next.searchParams.set('continue', String(end));
          meta['continue'] = next.pathname + next.search;
        }
        const page = token === null && !url.searchParams.has('perPage') ? items : items.slice(start, end);
        const body: Record<string, unknown> = { meta, [resource]: page };
        const include = (url.searchParams.get('include') ?? '').split(',').filter(Boolean);
        if (include.includes('assets') && resource === 'contents') {
          const refs = page.map((item) => String(item['ref']));
          const linked = visible('assets').filter((asset) => refs.includes(String(asset['contentRef'])));
          body['linked'] = { assets: linked.slice(0, linkedPerPage) };
          if (linked.length > linkedPerPage) {
            const next = new URL('/metadata/data/assets', url);
            next.searchParams.set('owner', owner);
            next.searchParams.set('withContentRef', refs.join(','));
            next.searchParams.set('perPage', String(linkedPerPage));
            next.searchParams.set('continue', String(linkedPerPage));
            meta['linked'] = { assets: { continue: next.pathname + next.search } };
          }
        }
        return HttpResponse.json(body);
      }),
      http.post('*/metadata/data/:resource', async ({ request, params }) => {
        const refused = await guard(request);
        if (refused) return refused;
        const resource = String(params.resource);
        const stored = ((await request.json()) as Record<string, Resource[] | undefined>)[resource];
        if (!Array.isArray(stored) || stored.length === 0) return HttpResponse.json({ error: `expected a non-empty "${resource}" array` }, { status: 400 });
        data[resource] ??= [];
        for (const item of stored) {
          data[resource].push(item);
          if (visibleAfterReads > 0) hidden.set(item, visibleAfterReads);
        }
        return HttpResponse.json({ [resource]: stored }, { status: 201 });
      }),
    ],
  };
}
