import { inspect } from 'node:util';
import { createClient } from 'sluice';
import { tokenAuth, clientCredentials, bearer, apiKey } from '@sluice/auth';
const S = 'CANARYs3cr3tXYZ';
const found: string[] = [];
function check(label: string, v: unknown) {
  const parts: string[] = [];
  try { parts.push(String(v)); } catch {}
  try { parts.push(JSON.stringify(v)); } catch (e) { parts.push('json-throw'); }
  parts.push(inspect(v, { depth: Infinity, showHidden: true }));
  let c: unknown = v; let d = 0;
  while (c instanceof Error && d < 10) { parts.push(String(c.message), String(c.stack)); c = (c as Error).cause; d++; }
  for (const [i, p] of parts.entries()) if (p.includes(S) || p.includes(encodeURIComponent(S).slice(0,8)+'XYZ')) { found.push(`${label} [part ${i}]: ${p.slice(Math.max(0,p.indexOf(S)-120), p.indexOf(S)+40)}`); break; }
}
const events: unknown[] = [];
async function run(label: string, fetchImpl: (r: Request) => Promise<Response>, setup: (f: any) => any, url: string) {
  try {
    const client = setup(fetchImpl);
    const r = await client.get(url, { retry: { limit: 0 } });
    check(label + ' response', r);
  } catch (e) { check(label, e); }
}
const echo = async (r: Request) => new Response(JSON.stringify({ msg: `got ${r.headers.get('authorization')} ${r.headers.get('cookie')} ${r.headers.get('x-api-key')} ${r.url}`, raw: [...r.headers].join(';') }), { status: 400, headers: { 'content-type': 'text/plain' } });
const neterr = async (r: Request) => { throw new TypeError('fetch failed', { cause: new Error(`connect ECONNREFUSED for ${r.url} auth=${r.headers.get('authorization')}`) }); };
const onEvent = (e: unknown) => { events.push(e); };
for (const [name, f] of [['echo', echo], ['neterr', neterr]] as const) {
  await run(name + ' bearer', f, (fetch) => createClient({ baseUrl: 'https://api.test', fetch, onEvent, auth: bearer(S) }), 'x');
  await run(name + ' cookie', f, (fetch) => createClient({ baseUrl: 'https://api.test', fetch, onEvent, headers: { cookie: `sid=${S}` } }), 'x');
  await run(name + ' x-api-key', f, (fetch) => createClient({ baseUrl: 'https://api.test', fetch, onEvent, headers: { 'x-api-key': S } }), 'x');
  await run(name + ' query api_key', f, (fetch) => createClient({ baseUrl: 'https://api.test', fetch, onEvent }), `x?api_key=${S}`);
  await run(name + ' userinfo', f, (fetch) => createClient({ fetch, onEvent }), `https://u:${S}@api.test/x`);
  await run(name + ' apiKey()', f, (fetch) => createClient({ baseUrl: 'https://api.test', fetch, onEvent, auth: apiKey({ header: 'x-custom-key', value: S } as any) }), 'x');
}
// token endpoint echo
const tokenEcho = async (r: Request) => {
  if (r.url.includes('/token')) { const body = await r.text(); return new Response(JSON.stringify({ error: 'invalid_client', error_description: `bad creds: ${body}` }), { status: 401, headers: { 'content-type': 'application/json' } }); }
  return new Response('ok');
};
await run('token echo', tokenEcho, (fetch) => createClient({ baseUrl: 'https://api.test', fetch, onEvent, auth: tokenAuth(clientCredentials({ tokenUrl: 'https://auth.test/token', clientId: 'id', clientSecret: S })) }), 'x');
const tokenEchoPlain = async (r: Request) => {
  if (r.url.includes('/token')) { const body = await r.text(); return new Response(`denied ${body}`, { status: 400 }); }
  return new Response('ok');
};
await run('token echo plain', tokenEchoPlain, (fetch) => createClient({ baseUrl: 'https://api.test', fetch, onEvent, auth: tokenAuth(clientCredentials({ tokenUrl: 'https://auth.test/token', clientId: 'id', clientSecret: S })) }), 'x');
const tokenNet = async (r: Request) => { if (r.url.includes('/token')) { const b = await r.text(); throw new TypeError('fetch failed', { cause: new Error('reset while sending ' + b) }); } return new Response('ok'); };
await run('token net', tokenNet, (fetch) => createClient({ baseUrl: 'https://api.test', fetch, onEvent, auth: tokenAuth(clientCredentials({ tokenUrl: 'https://auth.test/token', clientId: 'id', clientSecret: S })) }), 'x');
// refresh token echo: access token works first, then 401, refresh echo
let n = 0;
const refreshEcho = async (r: Request) => {
  if (r.url.includes('/token')) { n++; const b = await r.text(); if (n === 1) return Response.json({ access_token: 'AT1', refresh_token: S, expires_in: 3600 }); return new Response(JSON.stringify({ error: 'invalid_grant', error_description: 'refresh token ' + new URLSearchParams(b).get('refresh_token') + ' revoked' }), { status: 400, headers: { 'content-type': 'application/json' } }); }
  return new Response('', { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
};
await run('refresh echo', refreshEcho, (fetch) => createClient({ baseUrl: 'https://api.test', fetch, onEvent, auth: tokenAuth(clientCredentials({ tokenUrl: 'https://auth.test/token', clientId: 'id', clientSecret: 'other' })) }), 'x');
for (const e of events) check('event', e);
console.log(found.length ? found.join('\n') : 'no leaks');
