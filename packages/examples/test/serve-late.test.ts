import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { serveLate } from '../src/serve-late.js';

// No msw interception in this file: the requests go to a real local port.
describe('serveLate', () => {
  it('answers 404 until handlers are installed, then serves them on its own URL', async () => {
    const late = await serveLate();
    try {
      const before = await fetch(`${late.url}/hello`);
      expect(before.status).toBe(404);
      expect(await before.json()).toEqual({ error: 'not found' });
      late.use([http.get('/hello', () => HttpResponse.json({ at: late.url }))]);
      expect(await (await fetch(`${late.url}/hello`)).json()).toEqual({ at: late.url });
      expect((await fetch(`${late.url}/other`)).status).toBe(404);
    } finally {
      await late.close();
    }
  });
});
