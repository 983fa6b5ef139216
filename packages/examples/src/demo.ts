/**
 * `npm run demo`: a Sluice client against a simulated API served on a real local port.
 * It prints a trace of correlation ids, attempts and durations while it walks through a
 * plain call, a retried 503, a burst against an API that announces its quota and one that
 * does not (held by the rate-limit gate right before the wire), a token that
 * expires mid-run and is refreshed once, a typed error, and then one reference client (the
 * Sequoia-style SDK in ./sequoia) end to end.
 */
import { clientCredentials, tokenAuth } from '@sluice/auth';
import { HttpError, type SluiceEvent } from '@sluice/core';
import { oauthServer } from '@sluice/testing';
import { serve } from '@sluice/testing/node';
import { HttpResponse, http, type PathParams } from 'msw';
import { createClient } from 'sluice';
import { announcingApi, silentApi } from './burst-apis.js';
import { serveLate } from './serve-late.js';
import { runSequoiaWalkthrough } from './sequoia/walkthrough.js';

// ── The simulated API ────────────────────────────────────────────────────────────────
let reportCalls = 0;
// Two search APIs, each on its own origin: their rate limits (and the gates they close) do
// not slow the main API down, and the main API's token is never sent to them.
const announcing = announcingApi(6, 1000);
const silent = silentApi(10, 4);
const announcingSearch = await serve([announcing]);
const silentSearch = await serve([silent]);

// The main API is its own OAuth issuer, so its handlers are installed once its URL is known.
// `oauth.guard` answers 401 invalid_token for a missing, expired or revoked token.
const api = await serveLate();
const oauth = oauthServer({ issuer: api.url, clients: [{ clientId: 'demo', clientSecret: 'demo-secret' }] });
api.use([
  oauth,
  http.get('*/api/me', oauth.guard(() => HttpResponse.json({ id: 1, name: 'Ada' }))),
  http.get(
    '*/api/reports/daily',
    oauth.guard(() => (++reportCalls === 1 ? new HttpResponse('warming up', { status: 503 }) : HttpResponse.json({ report: 'ok' }))),
  ),
  http.get(
    '*/api/users/:id',
    oauth.guard(({ params }: { request: Request; params: PathParams }) => (params.id === '404' ? HttpResponse.json({ error: 'no such user' }, { status: 404 }) : HttpResponse.json({ id: params.id }))),
  ),
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
  auth: tokenAuth(clientCredentials({ tokenUrl: oauth.tokenUrl, clientId: 'demo', clientSecret: 'demo-secret' })),
});

const section = (title: string) => console.log(`\n── ${title}`);

try {
  console.log(`Simulated API on ${api.url}; stack: ${client.stack.names().join(' → ')}`);

  section('1. A plain call (the first one fetches a token)');
  const me = await client.get('me').json<{ name: string }>();
  console.log(`${clock()}  hello, ${me.name}`);

  section('2. A 503 that the retry middleware retries with backoff');
  const report = await client.get('reports/daily').json<{ report: string }>();
  console.log(`${clock()}  report: ${report.report}`);

  section('3a. A burst of 12 searches against an API that announces its quota (6 per 1 s window): read from the first answer, no 429');
  const queries = Array.from({ length: 12 }, (_, i) => `q${i + 1}`);
  await Promise.all(queries.map((q) => client.get(`${announcingSearch.url}/api/search`, { searchParams: { q } }).json()));
  console.log(`${clock()}  the server's counts: ${announcing.counts.ok} answered, ${announcing.counts.limited} answered 429`);

  section('3b. The same burst against an API that announces nothing (10/s, burst 4, 429 + Retry-After: 1): the first herd closes the gate');
  await Promise.all(queries.map((q) => client.get(`${silentSearch.url}/api/search`, { searchParams: { q } }).json()));
  console.log(
    `${clock()}  the server's counts: ${silent.counts.ok} answered, ${silent.counts.limited} answered 429 (the first herd), ${silent.counts.arrivedWhileClosed} arrived while its Retry-After ran`,
  );

  section('4. The token expires mid-run: 4 concurrent requests, one refresh, all replayed');
  oauth.revoke(); // the server ends the current token: the next requests get 401 invalid_token
  const before = oauth.stats.tokenCalls;
  await Promise.all(['1', '2', '3', '4'].map((id) => client.get(`users/${id}`).json()));
  console.log(`${clock()}  token endpoint calls for the refresh: ${oauth.stats.tokenCalls - before}`);

  section('5. A typed error');
  try {
    await client.get('users/404').json();
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    console.log(`${clock()}  caught ${error.name}: ${error.message}`);
    console.log(`${clock()}  status ${error.status}, attempts ${error.attempts}, correlation id ${error.correlationId}, body ${JSON.stringify(error.body)}`);
  }
} finally {
  await Promise.all([api.close(), announcingSearch.close(), silentSearch.close()]);
}

section('6. A reference client end to end: Sequoia\'s client SDK rebuilt on Sluice (registry, CLIENT_GRANT, criteria, paging)');
const summary = await runSequoiaWalkthrough((line) => console.log(`${clock()}  ${line}`));
console.log(
  `${clock()}  walked ${summary.contents.length} contents and ${summary.assets.length} linked assets in ${summary.requests} requests, ${summary.tokenCalls} token call`,
);
