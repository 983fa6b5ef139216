import { flakyApi } from '@sluice/testing';
import { useServer } from '@sluice/testing/node';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const api = flakyApi({ seed: 1, failures: [], url: 'https://kit.test/items' });
const server = useServer({ beforeAll, afterEach, afterAll }, api, http.get('https://kit.test/base', () => HttpResponse.text('base')));

describe('useServer', () => {
  it('listens before the tests, with the handlers and handler sets it was given', async () => {
    expect(await (await fetch('https://kit.test/base')).text()).toBe('base');
    expect((await fetch('https://kit.test/items')).status).toBe(200);
    server.use(http.get('https://kit.test/added', () => HttpResponse.text('added')));
    expect(await (await fetch('https://kit.test/added')).text()).toBe('added');
  });

  it('drops the handlers a test added, after that test, and keeps the given ones', async () => {
    await expect(fetch('https://kit.test/added')).rejects.toThrow();
    expect(await (await fetch('https://kit.test/base')).text()).toBe('base');
  });

  it('fails a request that no handler answers instead of letting it reach the network', async () => {
    await expect(fetch('https://kit.test/nothing-here')).rejects.toThrow();
  });

  it('refuses a lifecycle that is not the runner hooks, naming it', () => {
    expect(() => useServer({ beforeAll } as never)).toThrow(new TypeError('useServer(): "lifecycle" must be { beforeAll, afterEach, afterAll } from your test runner.'));
  });
});
