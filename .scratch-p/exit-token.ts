import { createClient } from 'sluice';
import { tokenAuth, clientCredentials } from '@sluice/auth';
const hang = (s?: AbortSignal | null) => new Promise<never>((_, rej) => s?.addEventListener('abort', () => rej(s.reason), { once: true }));
const fetch = async (r: Request, init?: RequestInit) => { if (r.url.includes('/token')) return hang(init?.signal ?? r.signal); return new Response('ok'); };
const client = createClient({ baseUrl: 'https://api.test', fetch, auth: tokenAuth(clientCredentials({ tokenUrl: 'https://auth.test/token', clientId: 'i', clientSecret: 's' })) });
const c = new AbortController(); setTimeout(() => c.abort(), 50);
await client.get('x', { signal: c.signal }).catch((e) => console.log('settled', e.name));
console.log(process.getActiveResourcesInfo());
