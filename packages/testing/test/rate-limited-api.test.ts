import { rateLimitedApi } from '@sluice/testing';
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '@sluice/testing/node';

const server = useServer({ beforeAll, afterEach, afterAll });

const URL_ = 'https://api.test/things';

function clock(start = 1_700_000_000_000) {
  let time = start;
  return {
    now: () => time,
    advance(ms: number) {
      time += ms;
    },
  };
}

describe('rateLimitedApi', () => {
  it('admits a burst, then answers 429 with Retry-After until a token arrives', async () => {
    const time = clock();
    const api = rateLimitedApi({ rate: 2, burst: 3, headers: 'retry-after', now: time.now });
    server.use(...api.handlers);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(URL_)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await fetch(URL_);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toEqual({ error: 'rate_limited', message: 'Too many requests' });
    time.advance(500); // one token at 2/s
    expect((await fetch(URL_)).status).toBe(200);
    expect((await fetch(URL_)).status).toBe(429);
    expect(api.stats).toEqual({ ok: 4, limited: 3 });
    api.reset();
    expect(api.stats).toEqual({ ok: 0, limited: 0 });
    expect(api.tokens()).toBe(3);
  });

  it('sends the IETF RateLimit headers on every answer', async () => {
    const time = clock();
    const api = rateLimitedApi({ rate: 1, burst: 2, headers: 'ratelimit', now: time.now });
    server.use(...api.handlers);
    const first = await fetch(URL_);
    // The policy is the refill rate; t is the whole seconds until the bucket is full.
    expect(first.headers.get('ratelimit-policy')).toBe('"bucket";q=1;w=1');
    expect(first.headers.get('ratelimit')).toBe('"bucket";r=1;t=1');
    const second = await fetch(URL_);
    expect(second.headers.get('ratelimit')).toBe('"bucket";r=0;t=2');
    time.advance(250);
    const third = await fetch(URL_);
    expect(third.status).toBe(429);
    expect(third.headers.get('ratelimit')).toBe('"bucket";r=0;t=2');
    expect(third.headers.get('retry-after')).toBeNull();
  });

  it('sends X-RateLimit-* with an epoch reset, and keeps the respond() body', async () => {
    const time = clock(1_700_000_000_000);
    const api = rateLimitedApi({ rate: 0.5, burst: 1, headers: 'x-ratelimit', now: time.now, respond: () => HttpResponse.json({ hello: 'world' }) });
    server.use(...api.handlers);
    const ok = await fetch(URL_);
    expect(await ok.json()).toEqual({ hello: 'world' });
    expect(ok.headers.get('x-ratelimit-limit')).toBe('1');
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(ok.headers.get('x-ratelimit-reset')).toBe('1700000002.000'); // empty: full again in 2 s
    time.advance(1000);
    const limited = await fetch(URL_);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-reset')).toBe('1700000002.000'); // half a token: 1 s to go
  });

  it('announces the truth of a fast bucket: its refill rate, whole tokens left, and a sub-second reset', async () => {
    const time = clock(1_700_000_000_000);
    const styled = rateLimitedApi({ rate: 200, burst: 20, headers: 'ratelimit', now: time.now });
    server.use(...styled.handlers);
    const answer = await fetch(URL_);
    expect(answer.headers.get('ratelimit-policy')).toBe('"bucket";q=200;w=1'); // 200 per second, not 20 per second
    expect(answer.headers.get('ratelimit')).toBe('"bucket";r=19;t=1'); // 5 ms to full, in whole seconds
    server.resetHandlers();
    const legacy = rateLimitedApi({ rate: 200, burst: 20, headers: 'x-ratelimit', now: time.now });
    server.use(...legacy.handlers);
    for (let i = 0; i < 3; i++) await fetch(URL_);
    const last = await fetch(URL_);
    expect(last.headers.get('x-ratelimit-limit')).toBe('20');
    expect(last.headers.get('x-ratelimit-remaining')).toBe('16');
    expect(last.headers.get('x-ratelimit-reset')).toBe('1700000000.020'); // 4 tokens at 200/s: 20 ms
    const slow = rateLimitedApi({ rate: 0.5, burst: 1, headers: 'ratelimit', now: time.now });
    server.resetHandlers();
    server.use(...slow.handlers);
    expect((await fetch(URL_)).headers.get('ratelimit-policy')).toBe('"bucket";q=1;w=2');
  });

  it('answers only its url', async () => {
    const api = rateLimitedApi({ rate: 1, burst: 1, headers: 'retry-after', url: 'https://api.test/limited' });
    server.use(...api.handlers);
    await expect(fetch('https://api.test/other')).rejects.toThrow();
  });

  it('rejects bad options with a TypeError', () => {
    expect(() => rateLimitedApi({ rate: 0, burst: 1, headers: 'retry-after' })).toThrow(
      'rateLimitedApi(): "rate" must be a positive number of requests per second, got 0.',
    );
    expect(() => rateLimitedApi({ rate: 1, burst: 1.5, headers: 'retry-after' })).toThrow('rateLimitedApi(): "burst" must be a positive integer, got 1.5.');
    expect(() => rateLimitedApi({ rate: 1, burst: 1, headers: 'nope' as never })).toThrow(
      "rateLimitedApi(): \"headers\" must be 'retry-after', 'ratelimit' or 'x-ratelimit', got nope.",
    );
  });
});
