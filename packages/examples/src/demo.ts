/**
 * `npm run demo`: a Sluice client against a simulated API served on a real local port.
 * It prints a trace of correlation ids, attempts and durations while it walks through a
 * plain call, a retried 503, a 429 burst held by the shared rate-limit gate, a token that
 * expires mid-run and is refreshed once, a typed error, and then one seed client (the
 * Sequoia-style SDK in ./sequoia) end to end.
 */
import { tokenAuth } from '@sluice/auth';
import { HttpError, type SluiceEvent } from '@sluice/core';
import { rateLimitedApi } from '@sluice/testing';
import { serve } from '@sluice/testing/node';
import { HttpResponse, http } from 'msw';
import { createClient } from 'sluice';
import { runSeedWalkthrough } from './sequoia/walkthrough.js';

// ── The simulated API ────────────────────────────────────────────────────────────────
let issued = 0;
let valid = '';
let tokenCalls = 0;
/** The server revokes the current token: the next requests get 401 invalid_token. */
const revokeToken = () => {
  valid = '';
};
const unauthorized = (request: Request): Response | undefined =>
  request.headers.get('authorization') === `Bearer ${valid}` && valid
    ? undefined
    : HttpResponse.json({ error: 'invalid_token' }, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });

let reportCalls = 0;
const search = rateLimitedApi({
  rate: 10,
  burst: 4,
  headers: 'retry-after',
  url: '*/api/search',
  respond: (request) => HttpResponse.json({ hits: [new URL(request.url).searchParams.get('q')] }),
});
// The search API lives on another origin: its rate limit (and the gate it closes) does not
// slow the main API down, and the main API's token is never sent to it.
const searchApi = await serve([search]);

const api = await serve([
  http.post('*/oauth/token', () => {
    tokenCalls++;
    valid = `token-${++issued}`;
    return HttpResponse.json({ access_token: valid, token_type: 'Bearer', expires_in: 3600 });
  }),
  http.get('*/api/me', ({ request }) => unauthorized(request) ?? HttpResponse.json({ id: 1, name: 'Ada' })),
  http.get('*/api/reports/daily', ({ request }) => {
    if (unauthorized(request)) return unauthorized(request);
    return ++reportCalls === 1 ? new HttpResponse('warming up', { status: 503 }) : HttpResponse.json({ report: 'ok' });
  }),
  http.get('*/api/users/:id', ({ request, params }) =>
    unauthorized(request) ?? (params.id === '404' ? HttpResponse.json({ error: 'no such user' }, { status: 404 }) : HttpResponse.json({ id: params.id }))),
]);

// ── The trace ─────────────────────────────────────────────────────────────────────────
const started = performance.now();
const clock = () => `${String(Math.round(performance.now() - started)).padStart(5)} ms`;
const short = (id: string | undefined) => (id ?? '--------').slice(0, 8);
const path = (url: string) => new URL(url).pathname + new URL(url).search;

const sends = new Map<string, number>();

function trace(event: SluiceEvent): void {
  const head = `${clock()}  [${short(event.correlationId)}] ${event.method} ${path(event.url)}`;
  switch (event.type) {
    case 'attempt': {
      const sent = (sends.get(event.correlationId ?? '') ?? 0) + 1;
      sends.set(event.correlationId ?? '', sent);
      const label = sent > event.attempt ? `attempt ${event.attempt}, replayed with a fresh token` : `attempt ${event.attempt}`;
      console.log(`${head}  ${label} → ${event.status ?? (event.error as Error)?.name} (${Math.round(event.durationMs)} ms)`);
      break;
    }
    case 'retry':
      console.log(`${head}  ↻ retry: ${event.reason}, waiting ${Math.round(event.delayMs)} ms`);
      break;
    case 'response':
      if (event.attempt > 1) console.log(`${head}  ✓ ${event.status} after ${event.attempt} attempts, ${Math.round(event.durationMs)} ms in all`);
      break;
    case 'error':
      console.log(`${head}  ✗ ${(event.error as Error)?.name} after ${Math.round(event.durationMs)} ms`);
      break;
    default:
      break;
  }
}

// ── The client ────────────────────────────────────────────────────────────────────────
const client = createClient({
  baseUrl: `${api.url}/api`,
  timeout: { attempt: 5_000, total: 20_000 },
  concurrency: 6,
  onEvent: trace,
  auth: tokenAuth({
    getToken: () => fetchToken(),
    refresh: () => fetchToken(),
  }),
});

async function fetchToken() {
  const response = await fetch(`${api.url}/oauth/token`, { method: 'POST' });
  const body = (await response.json()) as { access_token: string; expires_in: number };
  return { accessToken: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
}

const section = (title: string) => console.log(`\n── ${title}`);

try {
  console.log(`Simulated API on ${api.url}; stack: ${client.stack.names().join(' → ')}`);

  section('1. A plain call (the first one fetches a token)');
  const me = await client.get('me').json<{ name: string }>();
  console.log(`${clock()}  hello, ${me.name}`);

  section('2. A 503 that the retry middleware retries with backoff');
  const report = await client.get('reports/daily').json<{ report: string }>();
  console.log(`${clock()}  report: ${report.report}`);

  section('3. A burst of 12 searches against a limit of 10/s (burst 4) on another origin: the gate holds and paces them');
  const queries = Array.from({ length: 12 }, (_, i) => `q${i + 1}`);
  await Promise.all(queries.map((q) => client.get(`${searchApi.url}/api/search`, { searchParams: { q } }).json()));
  console.log(`${clock()}  12 searches done: ${search.stats.ok} answered, ${search.stats.limited} answered 429`);

  section('4. The token expires mid-run: 4 concurrent requests, one refresh, all replayed');
  revokeToken();
  const before = tokenCalls;
  await Promise.all(['1', '2', '3', '4'].map((id) => client.get(`users/${id}`).json()));
  console.log(`${clock()}  token endpoint calls for the refresh: ${tokenCalls - before}`);

  section('5. A typed error');
  try {
    await client.get('users/404').json();
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    console.log(`${clock()}  caught ${error.name}: ${error.message}`);
    console.log(`${clock()}  status ${error.status}, attempts ${error.attempts}, correlation id ${error.correlationId}, body ${JSON.stringify(error.body)}`);
  }
} finally {
  await Promise.all([api.close(), searchApi.close()]);
}

section('6. A seed client end to end: the Sequoia-style SDK rebuilt on Sluice (registry, CLIENT_GRANT, criteria, paging)');
const summary = await runSeedWalkthrough((line) => console.log(`${clock()}  ${line}`));
console.log(
  `${clock()}  walked ${summary.contents.length} contents and ${summary.assets.length} linked assets in ${summary.requests} requests, ${summary.tokenCalls} token call`,
);
