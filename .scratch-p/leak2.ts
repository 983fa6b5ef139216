import { inspect } from 'node:util';
import { createClient } from 'sluice';
import { tokenAuth, clientCredentials } from '@sluice/auth';
const S = 'CANARYs3cr3tXYZ';
function leaks(v: unknown): string | undefined {
  const parts: string[] = [String(v), JSON.stringify(v), inspect(v, { depth: Infinity, showHidden: true })];
  for (const p of parts) if (p.includes(S)) return p.slice(Math.max(0, p.indexOf(S) - 150), p.indexOf(S) + 30);
}
const events: any[] = [];
for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
  for (const mode of ['json-desc', 'text', 'json-field']) {
    const f = async (r: Request) => {
      if (r.url.includes('/token')) {
        const b = await r.text(); const a = r.headers.get('authorization') ?? '';
        const decoded = a.startsWith('Basic ') ? atob(a.slice(6)) : '';
        const echo = `body=${b} auth=${a} decoded=${decoded}`;
        if (mode === 'json-desc') return Response.json({ error: 'invalid_client', error_description: echo }, { status: 401 });
        if (mode === 'json-field') return Response.json({ error: 'invalid_client', received: decoded || new URLSearchParams(b).get('client_secret') }, { status: 401 });
        return new Response(echo, { status: 400 });
      }
      return new Response('ok');
    };
    const client = createClient({ baseUrl: 'https://api.test', fetch: f, onEvent: (e) => events.push(e), auth: tokenAuth(clientCredentials({ tokenUrl: 'https://auth.test/token', clientId: 'id', clientSecret: S, authMethod: method } as any)) });
    try { await client.get('x'); console.log(method, mode, 'no error?'); } catch (e) { const l = leaks(e); console.log(method, mode, (e as Error).constructor.name, l ? 'LEAK: ' + l : 'clean'); }
  }
}
for (const e of events) { const l = leaks(e); if (l) console.log('EVENT LEAK', e.type, l); }
