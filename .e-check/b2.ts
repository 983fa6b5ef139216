import { compose, concurrency } from '@sluice/core';

const downloads = compose([concurrency({ limit: 2, release: 'body' })]);
const response = await downloads('https://files.example.com/big.bin');
if (!response.ok) await response.body?.cancel(); // frees the slot
else for await (const chunk of response.body ?? []) console.log(chunk.byteLength);

export {};
