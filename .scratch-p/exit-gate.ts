import { createClient } from 'sluice';
let n = 0;
const hang = (s?: AbortSignal | null) => new Promise<never>((_, rej) => s?.addEventListener('abort', () => rej(s.reason), { once: true }));
const fetch = async (r: Request, init?: RequestInit) => { n++; if (n === 1) return new Response('', { status: 429, headers: { 'retry-after': '20' } }); return hang(init?.signal ?? r.signal); };
const client = createClient({ baseUrl: 'https://api.test', fetch });
const c = new AbortController(); setTimeout(() => c.abort(), 50);
await client.get('x', { signal: c.signal }).catch((e) => console.log('settled', e.name));
console.log(process.getActiveResourcesInfo());
