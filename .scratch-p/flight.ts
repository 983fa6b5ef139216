import { createClient } from 'sluice';
import { tokenAuth, clientCredentials } from '@sluice/auth';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function setup(opts: { failFirst?: number; concurrency?: number } = {}) {
  let tokenCalls = 0; let valid = new Set<string>(); let fails = opts.failFirst ?? 0;
  const slow = new Map<string, () => void>();
  const fetch = async (r: Request) => {
    if (r.url.includes('/token')) {
      tokenCalls++; await sleep(20);
      if (fails > 0) { fails--; return Response.json({ error: 'temporarily_unavailable' }, { status: 503 }); }
      const t = 'T' + tokenCalls; valid = new Set([t]); return Response.json({ access_token: t, expires_in: 3600 });
    }
    const tok = r.headers.get('authorization')?.slice(7) ?? '';
    const u = new URL(r.url);
    if (u.pathname === '/slow' && tok === 'T1') await new Promise<void>((res) => slow.set(tok, res));
    if (!valid.has(tok)) return new Response('', { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
    return new Response(tok);
  };
  const client = createClient({ baseUrl: 'https://api.test', fetch, concurrency: opts.concurrency, retry: { limit: 0 }, auth: tokenAuth(clientCredentials({ tokenUrl: 'https://auth.test/token', clientId: 'i', clientSecret: 's' })) } as any);
  return { client, calls: () => tokenCalls, revoke: () => { valid = new Set(); }, slow };
}
const res = (p: Promise<Response>) => p.then(async (r) => `${r.status}:${await r.text()}`, (e) => `ERR ${e.name}: ${e.message.slice(0, 90)}`);
// 1 refresh fails then succeeds
{ const t = setup({ failFirst: 1 });
  const out = await Promise.all([res(t.client.get('a')), res(t.client.get('b')), res(t.client.get('c'))]);
  console.log('1a concurrent first token fails:', out, 'calls', t.calls());
  console.log('1b next request:', await res(t.client.get('d')), 'calls', t.calls()); }
// 2 401 after refresh completed
{ const t = setup(); console.log('2 warm', await res(t.client.get('a')));
  const pa = res(t.client.get('slow')); await sleep(10); t.revoke();
  console.log('2 B refresh', await res(t.client.get('b')), 'calls', t.calls());
  t.slow.get('T1')?.(); console.log('2 A late 401', await pa, 'calls', t.calls(), '(expect 2)'); }
process.exit(0);
// 3 concurrency 1 + refresh needed
{ const t = setup({ concurrency: 1 }); console.log('3 warm', await res(t.client.get('a'))); t.revoke();
  const out = await Promise.race([Promise.all([res(t.client.get('b')), res(t.client.get('c'))]), sleep(3000).then(() => 'DEADLOCK')]);
  console.log('3 limit1 refresh', out, 'calls', t.calls()); }
// 4 many concurrent at start
{ const t = setup(); const out = await Promise.all(Array.from({ length: 10 }, (_, i) => res(t.client.get('p' + i))));
  console.log('4 cold start x10 calls', t.calls(), new Set(out)); }
// 5 all fail & revoke simultaneously x5
{ const t = setup(); await res(t.client.get('a')); t.revoke(); const out = await Promise.all(Array.from({ length: 5 }, (_, i) => res(t.client.get('q' + i))));
  console.log('5 concurrent 401 x5 calls', t.calls(), '(expect 2)', new Set(out)); }
