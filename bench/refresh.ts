/**
 * Section 3: single-flight token refresh. 200 requests in flight with an expired token,
 * against a server where each new token revokes the previous one. Sluice's `tokenAuth`
 * (one refresh shared by every 401) against ky 2's documented pattern (an `afterResponse`
 * hook that refreshes on 401 and retries once). Figures: token calls, failed requests,
 * drain time (first request sent → last one settled).
 */
import { fmt, optional, type Row, runPool } from './pool.js';
import { rotatingTokenServer } from './servers.js';

const REQUESTS = 200;
const TOKEN_DELAY_MS = 20;
const DEADLINE_MS = 30_000;

type Get = (url: string, signal: AbortSignal) => Promise<void>;
type Contender = (baseUrl: string) => Get;

async function contenders(log: (line: string) => void): Promise<Array<readonly [string, Contender]>> {
  const list: Array<readonly [string, Contender]> = [];
  const auth = await optional(() => import('@sluice/auth'), 'tokenAuth', 'clientCredentials');
  const sluice = await optional(() => import('sluice'), 'createClient');
  if (auth.module && sluice.module) {
    const { tokenAuth, clientCredentials } = auth.module;
    const { createClient } = sluice.module;
    list.push([
      'sluice tokenAuth (single flight)',
      (baseUrl) => {
        const provider = clientCredentials({ tokenUrl: `${baseUrl}/token`, clientId: 'bench', clientSecret: 's3cret', initialToken: 't0' });
        const client = createClient({ auth: tokenAuth(provider, { origins: [baseUrl] }) });
        return async (url, signal) => void (await client.get(url, { signal }).text());
      },
    ]);
  } else {
    log(`  skipped Sluice: ${auth.missing ?? sluice.missing}`);
  }
  const kyModule = await optional(() => import('ky'), 'default');
  if (kyModule.module) {
    const ky = kyModule.module.default;
    list.push([
      'ky 2 afterResponse refresh on 401',
      (baseUrl) => {
        let token = 't0';
        const api = ky.create({
          timeout: false,
          retry: { limit: 1 },
          hooks: {
            beforeRequest: [({ request }) => void request.headers.set('authorization', `Bearer ${token}`)],
            afterResponse: [
              async ({ request, response, retryCount }) => {
                if (response.status !== 401 || retryCount > 0) return undefined;
                const body = await ky
                  .post(`${baseUrl}/token`, { body: new URLSearchParams({ grant_type: 'client_credentials' }) })
                  .json<{ access_token: string }>();
                token = body.access_token;
                const headers = new Headers(request.headers);
                headers.set('authorization', `Bearer ${token}`);
                return ky.retry({ request: new Request(request, { headers }), delay: 0, code: 'TOKEN_REFRESHED' });
              },
            ],
          },
        });
        return async (url, signal) => void (await api.get(url, { signal }).text());
      },
    ]);
  } else {
    log(`  skipped ky: ${kyModule.missing}`);
  }
  return list;
}

export async function refreshSection(log: (line: string) => void): Promise<Row[]> {
  const list = await contenders(log);
  log(`  ${REQUESTS} GETs in flight with an expired token; each new token revokes the old one; token endpoint takes ${TOKEN_DELAY_MS} ms`);
  const rows: Row[] = [];
  for (const [name, make] of list) {
    const server = await rotatingTokenServer(TOKEN_DELAY_MS);
    try {
      const get = make(server.url);
      const result = await runPool(REQUESTS, REQUESTS, (index, signal) => get(`${server.url}/data/${index}`, signal), DEADLINE_MS);
      rows.push({
        section: 'refresh',
        subject: name,
        figure: `${fmt(server.counts.tokenCalls)} token call${server.counts.tokenCalls === 1 ? '' : 's'}, ${fmt(result.failed)} failed, ${fmt(server.counts.unauthorized)} × 401`,
        ratio: `drain ${fmt(result.elapsedMs)} ms`,
        note: result.stopped ? `stopped at the ${DEADLINE_MS / 1000} s cap` : (result.errors[0] ?? 'no failures').slice(0, 70),
      });
    } finally {
      await server.close();
    }
  }
  return rows;
}
