import { createClient } from 'sluice';

const client = createClient({ concurrency: 50 });
const body = await client.get('http://127.0.0.1:8080/items/1').text();

export {};
