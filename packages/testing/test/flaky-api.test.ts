import { flakyApi } from '@sluice/testing';
import { seededRandom } from '../src/handler-set.js';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useServer } from '@sluice/testing/node';

const server = useServer({ beforeAll, afterEach, afterAll });
afterEach(() => {
  vi.useRealTimers();
});

const URL_ = 'https://api.test/orders';

/** Resolves when the next request to URL_ reaches the server; the request then goes on to the other handlers. */
function nextArrival(): Promise<void> {
  return new Promise((resolve) => {
    server.use(http.all(URL_, () => resolve(), { once: true }));
  });
}

async function outcomeOf(): Promise<string> {
  try {
    const response = await fetch(URL_);
    await response.arrayBuffer();
    return String(response.status);
  } catch {
    return 'network';
  }
}

describe('flakyApi', () => {
  it('is deterministic for a seed, and reset() replays the same sequence', async () => {
    const api = flakyApi({ seed: 42, failures: [{ kind: '503', rate: 0.3 }, { kind: 'reset', rate: 0.2 }] });
    server.use(...api.handlers);
    const first = [];
    for (let i = 0; i < 30; i++) first.push(await outcomeOf());
    const outcomes = [...api.outcomes];
    expect(first).toEqual(outcomes.map((o) => (o === 'ok' ? '200' : o === '503' ? '503' : 'network')));
    expect(new Set(outcomes)).toEqual(new Set(['ok', '503', 'reset']));
    expect(api.stats.ok + api.stats['503'] + api.stats.reset).toBe(30);

    api.reset();
    const again = [];
    for (let i = 0; i < 30; i++) again.push(await outcomeOf());
    expect(again).toEqual(first);

    const other = flakyApi({ seed: 42, failures: [{ kind: '503', rate: 0.3 }, { kind: 'reset', rate: 0.2 }] });
    server.use(...other.handlers);
    for (let i = 0; i < 30; i++) await outcomeOf();
    expect(other.outcomes).toEqual(outcomes);
  });

  it('follows the rates over many draws', () => {
    const random = seededRandom(7);
    let below = 0;
    for (let i = 0; i < 2000; i++) if (random() < 0.25) below++;
    expect(below).toBeGreaterThan(400);
    expect(below).toBeLessThan(600);
    expect(() => seededRandom(1.5)).toThrow('seededRandom(): "seed" must be an integer, got 1.5.');
  });

  it('503 carries an optional Retry-After', async () => {
    const api = flakyApi({ seed: 1, failures: [{ kind: '503', rate: 1 }], retryAfter: 3 });
    server.use(...api.handlers);
    const response = await fetch(URL_);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('3');
  });

  it('reset makes fetch reject with a network error', async () => {
    server.use(...flakyApi({ seed: 1, failures: [{ kind: 'reset', rate: 1 }] }).handlers);
    await expect(fetch(URL_)).rejects.toThrow(TypeError);
  });

  it('timeout never answers: the caller abort ends it', async () => {
    const api = flakyApi({ seed: 1, failures: [{ kind: 'timeout', rate: 1 }] });
    server.use(...api.handlers);
    const controller = new AbortController();
    const pending = fetch(URL_, { signal: controller.signal });
    const reason = new DOMException('caller gave up', 'AbortError');
    // Abort once the handler holds the request, not after a guessed delay.
    await vi.waitFor(() => expect(api.stats.timeout).toBe(1), { interval: 1 });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(api.stats.timeout).toBe(1);
  });

  it('timeout with hangMs drops the connection after the hang', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    server.use(...flakyApi({ seed: 1, failures: [{ kind: 'timeout', rate: 1 }], hangMs: 5_000 }).handlers);
    const arrived = nextArrival();
    let settled = false;
    const pending = fetch(URL_).finally(() => {
      settled = true;
    });
    pending.catch(() => {});
    await arrived;
    await vi.advanceTimersByTimeAsync(4_999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(pending).rejects.toThrow(TypeError);
  });

  it('slow-body sends headers and half the body at once, the rest later', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const api = flakyApi({
      seed: 1,
      failures: [{ kind: 'slow-body', rate: 1 }],
      slowBodyMs: 5_000,
      respond: () => HttpResponse.text('0123456789'),
    });
    server.use(...api.handlers);
    const response = await fetch(URL_);
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('01234');
    let rest = '';
    let done = false;
    const remaining = (async () => {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
      done = true;
    })();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(done).toBe(false);
    expect(rest).toBe('');
    await vi.advanceTimersByTimeAsync(1);
    await remaining;
    expect(rest).toBe('56789');
  });

  it('rejects bad options with a TypeError', () => {
    expect(() => flakyApi({ seed: 0.5, failures: [] })).toThrow('flakyApi(): "seed" must be an integer, got 0.5.');
    expect(() => flakyApi({ seed: 1, failures: [{ kind: '500' as never, rate: 0.1 }] })).toThrow(
      "flakyApi(): failures[0].kind must be one of '503', 'reset', 'timeout', 'slow-body', got 500.",
    );
    expect(() => flakyApi({ seed: 1, failures: [{ kind: '503', rate: 2 }] })).toThrow('flakyApi(): failures[0].rate must be a number between 0 and 1, got 2.');
    expect(() => flakyApi({ seed: 1, failures: [{ kind: '503', rate: 0.6 }, { kind: 'reset', rate: 0.6 }] })).toThrow(
      'flakyApi(): the failure rates add up to 1.2, more than 1.',
    );
    expect(() => flakyApi({ seed: 1, failures: [], slowBodyMs: -1 })).toThrow('flakyApi(): "slowBodyMs" must be a non-negative number, got -1.');
  });
});
