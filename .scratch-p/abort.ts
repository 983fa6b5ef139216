import { createClient } from 'sluice';
import { tokenAuth, clientCredentials } from '@sluice/auth';
import type { ConcurrencyMiddleware } from '@sluice/core';

type H = (r: Request, signal: AbortSignal | undefined) => Promise<Response>;
function hang(signal?: AbortSignal | null): Promise<never> {
  return new Promise((_, rej) => { if (!signal) return; if (signal.aborted) rej(signal.reason); signal.addEventListener('abort', () => rej(signal.reason), { once: true }); });
}
function mk(handler: H, extra: Record<string, unknown> = {}) {
  const fetch = (r: Request, init?: RequestInit) => handler(r, (init?.signal ?? r.signal) as AbortSignal);
  const client = createClient({ baseUrl: 'https://api.test', fetch, concurrency: { limit: 1, release: 'body' }, ...extra } as any);
  const conc = client.stack.middlewares.find((m) => m.name === 'concurrency') as ConcurrencyMiddleware;
  return { client, conc };
}
async function settleOnce(label: string, p0: Promise<unknown>, conc: ConcurrencyMiddleware, expectAbort = true) {
  let n = 0; let outcome = '';
  const p = p0;
  await p.then((v) => { n++; outcome = 'resolved ' + String(v); }, (e) => { n++; outcome = `rejected ${e?.name}: ${String(e?.message).slice(0, 100)}`; });
  await new Promise((r) => setTimeout(r, 20));
  const s = conc.stats();
  const bad = n !== 1 || s.inFlight !== 0 || s.queued !== 0 || (expectAbort && !outcome.includes('AbortError'));
  console.log(bad ? 'BAD ' : 'ok  ', label, '|', outcome, '| stats', JSON.stringify(s));
}
const later = (ms: number, f: () => void) => setTimeout(f, ms);

// a. before start
{ const { client, conc } = mk(async (r, s) => hang(s)); const c = new AbortController(); c.abort();
  await settleOnce('abort before start', client.get('x', { signal: c.signal }), conc); }
// b. queued in concurrency
{ const { client, conc } = mk(async (r, s) => hang(s)); const c1 = new AbortController(); const c2 = new AbortController();
  const p1 = client.get('a', { signal: c1.signal }); const p2 = client.get('b', { signal: c2.signal }); p1.catch(() => {});
  later(30, () => c2.abort()); later(60, () => c1.abort());
  await settleOnce('abort queued', p2, conc).catch(() => {}); await settleOnce('abort in flight (holder)', p1, conc); }
// c. waiting at gate
{ let n = 0; const { client, conc } = mk(async (r, s) => { n++; if (n === 1) return new Response('slow down', { status: 429, headers: { 'retry-after': '5' } }); return hang(s); });
  const c1 = new AbortController(); const c2 = new AbortController();
  const p1 = client.get('a', { signal: c1.signal }); await new Promise((r) => setTimeout(r, 30));
  const p2 = client.get('b', { signal: c2.signal }); p2.catch(() => {});
  later(30, () => { c1.abort(); c2.abort(); });
  await settleOnce('abort during Retry-After wait', p1, conc); await settleOnce('abort at gate', p2, conc); }
// d. during backoff
{ const { client, conc } = mk(async () => new Response('x', { status: 503 }), { retry: { baseDelay: 20_000, random: () => 0.99 } });
  const c = new AbortController(); const p = client.get('x', { signal: c.signal }); later(50, () => c.abort());
  await settleOnce('abort during backoff', p, conc); }
// e. during token refresh
{ const { client, conc } = mk(async (r, s) => { if (r.url.includes('/token')) return hang(s); return new Response('ok'); },
    { auth: tokenAuth(clientCredentials({ tokenUrl: 'https://auth.test/token', clientId: 'i', clientSecret: 's' })) });
  const c = new AbortController(); const p = client.get('x', { signal: c.signal }); later(50, () => c.abort());
  await settleOnce('abort during token fetch', p, conc); }
// f. reading body with release body
{ const { client, conc } = mk(async (r, s) => new Response(new ReadableStream({ start(ctl) { ctl.enqueue(new TextEncoder().encode('part')); } })));
  const c = new AbortController(); const p = client.get('x', { signal: c.signal }).text(); later(50, () => c.abort());
  await settleOnce('abort while reading body', p, conc); }
// g. custom reason
{ const { client, conc } = mk(async (r, s) => hang(s)); const c = new AbortController(); const reason = new Error('mine');
  const p = client.get('x', { signal: c.signal }); later(20, () => c.abort(reason));
  await p.then(() => console.log('BAD resolved'), (e) => console.log(e === reason ? 'ok   custom reason surfaced' : 'BAD  custom reason replaced by ' + e?.name + ' ' + e?.message)); }
// h. body not read at all, release body: slot held (documented), then cancel
{ const { client, conc } = mk(async () => new Response('hello'));
  const r = await client.get('x'); console.log('     unread body stats', JSON.stringify(conc.stats())); await r.body?.cancel(); await new Promise((r) => setTimeout(r, 10)); console.log('     after cancel', JSON.stringify(conc.stats())); }
// i. .json() through ky with release body
{ const { client, conc } = mk(async () => Response.json({ a: 1 }));
  const v = await client.get('x').json(); console.log('     json', JSON.stringify(v), JSON.stringify(conc.stats())); }
// j. HttpError with release body (errors middleware reads preview; body > 8KiB)
{ const { client, conc } = mk(async () => new Response('x'.repeat(100_000), { status: 404 }));
  await client.get('x').catch((e) => console.log('     404 big body', e.name)); await new Promise((r) => setTimeout(r, 20)); console.log('     after 404', JSON.stringify(conc.stats())); }
// k. throwHttpErrors false via ky: 500 retried then returned
{ const { client, conc } = mk(async () => new Response('boom', { status: 500 }), { retry: { baseDelay: 1, limit: 2 } });
  const r = await client.get('x', { throwHttpErrors: false }); console.log('     tHE=false status', r.status, await r.text(), JSON.stringify(conc.stats())); }
console.log('handles at end:', process.getActiveResourcesInfo());
globalThis.__t0 = Date.now();
