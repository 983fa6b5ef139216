import { paginatedCollection, recorder } from '@sluice/testing';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '@sluice/testing/node';

const server = useServer({ beforeAll, afterEach, afterAll });

describe('recorder', () => {
  it('records method, redacted URL and headers, correlation id and attempt, then lets the request through', async () => {
    const traffic = recorder({ secrets: ['x-octopus-apikey'] });
    server.use(...traffic.handlers, http.all('https://api.test/*', () => HttpResponse.json({ ok: true })));
    const headers = { authorization: 'Bearer abc', 'x-octopus-apikey': 'API-XYZ', 'x-correlation-id': 'op-1', accept: 'application/json' };
    expect((await fetch('https://api.test/a?token=t0k3n&q=1', { headers })).status).toBe(200);
    await fetch('https://api.test/a?token=t0k3n&q=1', { headers });
    await fetch('https://api.test/b', { method: 'POST', headers, body: '{}' });
    await fetch('https://api.test/c');

    expect(traffic.requests).toHaveLength(4);
    const [first, second, third, fourth] = traffic.requests;
    expect(first).toMatchObject({
      method: 'GET',
      correlationId: 'op-1',
      attempt: 1,
    });
    expect(new URL(first?.url ?? '').searchParams.get('token')).toBe('[REDACTED]');
    expect(first?.headers).toMatchObject({ authorization: '[REDACTED]', 'x-octopus-apikey': '[REDACTED]', accept: 'application/json' });
    expect(JSON.stringify(traffic.requests)).not.toMatch(/abc|API-XYZ|t0k3n/);
    expect(second?.attempt).toBe(2);
    expect(third).toMatchObject({ method: 'POST', attempt: 1 });
    expect(fourth).toMatchObject({ correlationId: undefined, attempt: undefined });
    expect(traffic.byCorrelationId('op-1')).toHaveLength(3);
    traffic.clear();
    expect(traffic.requests).toHaveLength(0);
  });

  it('reads a custom correlation header and only records its url', async () => {
    const traffic = recorder({ correlationHeader: 'x-request-id', url: 'https://api.test/items' });
    server.use(...traffic.handlers, ...paginatedCollection([1, 2, 3], 'pageNumber').handlers);
    await fetch('https://api.test/items', { headers: { 'x-request-id': 'r1' } });
    await fetch('https://api.test/other');
    expect(traffic.requests.map((entry) => entry.correlationId)).toEqual(['r1']);
  });

  it('rejects bad options with a TypeError', () => {
    expect(() => recorder({ secrets: 'x' as never })).toThrow('recorder(): "secrets" must be an array of header or query-parameter names.');
    expect(() => recorder({ correlationHeader: '' })).toThrow('recorder(): "correlationHeader" must be a non-empty header name, got .');
  });
});
