import { TimeoutError } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { type RedisEvent, redisRateGate, redisSchedulerStore } from '../src/index.js';
import { until } from './fixtures/fork.js';
import { redisSuite } from './fixtures/suites.js';

const ORIGIN = 'https://api.example.com';
const suite = redisSuite();
const client = () => suite.client();
const numsub = (channel: string) => suite.numsub(channel);
const tooMany = (retryAfter: string) => new Response(null, { status: 429, headers: { 'retry-after': retryAfter } });

describe('redisRateGate / redisSchedulerStore', () => {
  it('a 429 with Retry-After in one process holds the origin in another, and in one that starts later', async () => {
    const a = redisRateGate(await client(), { prefix: 'close:' });
    const b = redisRateGate(await client(), { prefix: 'close:' });
    await until(async () => (await numsub('close:rate')) === 2, 'both gates to subscribe');
    expect(b.closedFor(ORIGIN)).toBe(0);
    a.observe(ORIGIN, tooMany('5'));
    expect(a.closedFor(ORIGIN)).toBeGreaterThan(0);
    await until(() => b.closedFor(ORIGIN) > 0, 'the closure to reach the other gate');
    expect(b.closedFor(ORIGIN)).toBeLessThanOrEqual(5_000);
    expect(b.closedFor('https://other.example.com')).toBe(0);
    const late = redisRateGate(await client(), { prefix: 'close:' });
    await until(() => late.closedFor(ORIGIN) > 0, 'the late gate to read the closure in force');
  });

  it('shares an announced quota used up until its reset', async () => {
    const a = redisRateGate(await client(), { prefix: 'quota:' });
    const b = redisRateGate(await client(), { prefix: 'quota:' });
    await until(async () => (await numsub('quota:rate')) === 2, 'both gates to subscribe');
    a.observe(ORIGIN, new Response('{}', { status: 200, headers: { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '3' } }));
    await until(() => b.closedFor(ORIGIN) > 0, 'the exhausted quota to reach the other gate');
    expect(b.closedFor(ORIGIN)).toBeLessThanOrEqual(3_000);
  });

  it('counts an announced quota once for every process: the third request of two processes waits', async () => {
    const a = redisRateGate(await client(), { prefix: 'count:' });
    const b = redisRateGate(await client(), { prefix: 'count:' });
    const announce = () => new Response('{}', { status: 200, headers: { 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '2', 'x-ratelimit-reset': '5' } });
    a.observe(ORIGIN, announce());
    b.observe(ORIGIN, announce());
    const raw = await client();
    await until(async () => (await raw.hGet(`count:rate:quota:${ORIGIN}`, 'remaining')) === '2', 'the shared count');
    await a.acquire(ORIGIN, AbortSignal.timeout(1_000), 1_000);
    await b.acquire(ORIGIN, AbortSignal.timeout(1_000), 1_000);
    expect(await raw.hGet(`count:rate:quota:${ORIGIN}`, 'remaining')).toBe('0');
    // Each local ledger still counts 1 left; the shared count says none.
    const error = await a.acquire(ORIGIN, AbortSignal.timeout(1_000), 200).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toMatch(/shared by every process through Redis.*never sent/);
  });

  it('paces a throttled origin with one schedule for every process', async () => {
    const a = redisRateGate(await client(), { prefix: 'pace:' });
    const b = redisRateGate(await client(), { prefix: 'pace:' });
    await until(async () => (await numsub('pace:rate')) === 2, 'both gates to subscribe');
    a.observe(ORIGIN, new Response(null, { status: 429 }));
    const raw = await client();
    const key = `pace:rate:pace:${ORIGIN}`;
    await until(async () => (await raw.hGet(key, 'mode')) === 'start', 'the shared pace to start');
    await until(() => b.closedFor(ORIGIN) === 0, 'no closure (the 429 had no delay)');
    b.observe(ORIGIN, new Response(null, { status: 429 })); // b is throttled too: b now paces through Redis
    const turns: number[] = [];
    for (const gate of [a, b, a, b]) {
      await gate.acquire(ORIGIN, AbortSignal.timeout(5_000), 5_000);
      turns.push(Number(await raw.hGet(key, 'tat')));
    }
    // One schedule: every acquire, from either gate, moved the same reservation clock forward.
    for (let i = 1; i < turns.length; i++) expect(turns[i]).toBeGreaterThan(turns[i - 1]!);
  });

  it('a throttle after a long run measures the rate every process was served (its burst taken off) and resumes just under it', async () => {
    const raw = await client();
    const key = `measure:rate:pace:${ORIGIN}`;
    const gate = redisRateGate(await client(), { prefix: 'measure:' });
    // Sending resumed 4 s ago at 150/s (probing slowly); the processes were served 410, 10 of them the server's burst.
    await raw.hSet(key, { mode: 'probe', base: '150', growth: '0.002', since: String(Date.now() - 4_000), tat: String(Date.now()), ok: '410', burst: '10' });
    gate.observe(ORIGIN, tooMany('1'));
    await until(async () => Number(await raw.hGet(key, 'since')) > Date.now(), 'the throttle to be folded in');
    const base = Number(await raw.hGet(key, 'base'));
    expect(base).toBeGreaterThan(90);
    expect(base).toBeLessThan(100); // 0.98 × (410 − 10) / 4 s
    expect(await raw.hGet(key, 'ok')).toBe('0');
    // The closure's stragglers change nothing.
    gate.observe(ORIGIN, tooMany('1'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Number(await raw.hGet(key, 'base'))).toBe(base);
  });

  it('with the pace hash unreadable, a gate goes on paced locally and reports it', async () => {
    const raw = await client();
    const events: RedisEvent[] = [];
    const gate = redisRateGate(await client(), { prefix: 'badpace:', onEvent: (event) => events.push(event) });
    await until(async () => (await numsub('badpace:rate')) === 1, 'the gate to subscribe');
    gate.observe(ORIGIN, new Response(null, { status: 429 }));
    await raw.set(`badpace:rate:pace:${ORIGIN}`, 'not a hash');
    await gate.acquire(ORIGIN, AbortSignal.timeout(1_000), 1_000);
    expect(events.map((event) => event.type)).toEqual(['redis:degraded']);
    expect(events[0]).toMatchObject({ reason: 'error' });
  });

  it('prefixes keep applications apart', async () => {
    const a = redisRateGate(await client(), { prefix: 'app-a:' });
    const b = redisRateGate(await client(), { prefix: 'app-b:' });
    await until(async () => (await numsub('app-a:rate')) === 1 && (await numsub('app-b:rate')) === 1, 'both gates to subscribe');
    a.observe(ORIGIN, tooMany('5'));
    const probe = redisRateGate(await client(), { prefix: 'app-a:' });
    await until(() => probe.closedFor(ORIGIN) > 0, 'the same-prefix gate to learn it');
    expect(b.closedFor(ORIGIN)).toBe(0);
  });

  it('ignores an unreadable update on the channel and reports it once', async () => {
    const events: RedisEvent[] = [];
    const gate = redisRateGate(await client(), { prefix: 'junk:', onEvent: (event) => events.push(event) });
    await until(async () => (await numsub('junk:rate')) === 1, 'the gate to subscribe');
    const raw = await client();
    await raw.publish('junk:rate', 'not json');
    await raw.publish('junk:rate', JSON.stringify({ source: 'x', origin: ORIGIN, closedUntil: 'soon' }));
    await until(() => events.length > 0, 'the garbage event');
    expect(events.map((event) => event.type)).toEqual(['redis:degraded']);
    expect(events[0]).toMatchObject({ reason: 'garbage', operation: 'rate.message' });
    expect(gate.closedFor(ORIGIN)).toBe(0);
  });

  it('with Redis down, a gate still closes on its own 429 and requests are not failed', async () => {
    const events: RedisEvent[] = [];
    const gate = redisRateGate(await client(), { prefix: 'down:', onEvent: (event) => events.push(event) });
    await suite.server.kill();
    gate.observe(ORIGIN, tooMany('2'));
    expect(gate.closedFor(ORIGIN)).toBeGreaterThan(0);
    await until(() => events.length === 1, 'the degraded event');
    expect(events[0]).toMatchObject({ type: 'redis:degraded', operation: 'rate.publish' });
    await gate.acquire('https://other.example.com', AbortSignal.timeout(1_000));
  });

  it('Redis restarted: the gate subscribes again (its subscriber does not reconnect by itself) and hears closures', async () => {
    const a = redisRateGate(await client(), { prefix: 'back:', retryMs: 100 });
    await until(async () => (await numsub('back:rate')) === 1, 'the gate to subscribe');
    await suite.server.kill();
    await suite.server.start();
    await until(async () => (await numsub('back:rate')) === 1, 'the gate to subscribe again');
    const b = redisRateGate(await client(), { prefix: 'back:' });
    b.observe(ORIGIN, tooMany('5'));
    await until(() => a.closedFor(ORIGIN) > 0, 'the closure to reach the gate that lost Redis');
  });

  it('rejects bad input with a clear TypeError', async () => {
    const redis = await client();
    expect(() => redisRateGate(42 as never)).toThrow(/redisRateGate\(redis\): "redis" must be a node-redis client.*got number/);
    expect(() => redisSchedulerStore(redis, { retryMs: -5 })).toThrow(/"retryMs" must be a finite number > 0, got -5/);
    expect(() => redisRateGate(redis, { gate: 'fast' as never })).toThrow(/"gate" must be an options object/);
  });
});
