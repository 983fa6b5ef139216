import { createClient } from 'sluice';

const client = createClient({ baseUrl: 'https://api.example.com', concurrency: { limit: 8, maxQueue: 500 } });

export {};
