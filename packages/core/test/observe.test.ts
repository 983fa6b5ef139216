import {
  cloneForReplay,
  compose,
  correlationId,
  type Middleware,
  observe,
  type SluiceEvent,
  timingOf,
} from '@sluice/core';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useServer } from '@sluice/testing/node';

const BASE = 'https://observe.test';
let calls = 0;

useServer(
  { beforeAll, afterEach, afterAll },
  http.get(`${BASE}/ok`, () => HttpResponse.json({ ok: true })),
  http.get(`${BASE}/flaky`, () => (++calls < 3 ? HttpResponse.error() : HttpResponse.text('finally', { status: 202 }))),
  http.get(`${BASE}/down`, () => HttpResponse.error()),
);
afterEach(() => {
  calls = 0;
  vi.restoreAllMocks();
});

/** A tiny retry: replays on network errors, advancing context.attempt. */
const retryThrice: Middleware = {
  name: 'retryThrice',
  async handle(request, context, next) {
    for (;;) {
      try {
        return await next(await cloneForReplay(request, context, 'retry'));
      } catch (error) {
        if (context.attempt >= 3) throw error;
        context.attempt++;
      }
    }
  },
};

function collect(): { events: SluiceEvent[]; onEvent: (event: SluiceEvent) => void } {
  const events: SluiceEvent[] = [];
  return { events, onEvent: (event) => events.push(event) };
}

describe('observe', () => {
  it('emits request, attempt, response once each, with base fields', async () => {
    const { events, onEvent } = collect();
    await compose([correlationId({ id: 'c-1' }), observe({ onEvent })])(`${BASE}/ok?api_key=k`);
    expect(events.map((e) => e.type)).toEqual(['request', 'attempt', 'response']);
    for (const event of events) {
      expect(event).toMatchObject({ method: 'GET', url: `${BASE}/ok?api_key=%5BREDACTED%5D`, correlationId: 'c-1', attempt: 1 });
      expect(typeof event.timestamp).toBe('number');
    }
    expect(events[1]).toMatchObject({ type: 'attempt', status: 200 });
    const response = events[2] as Extract<SluiceEvent, { type: 'response' }>;
    expect(response.status).toBe(200);
    expect(response.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('emits an attempt per network call and one response at the end', async () => {
    const { events, onEvent } = collect();
    const response = await compose([observe({ onEvent }), retryThrice])(`${BASE}/flaky`);
    expect(response.status).toBe(202);
    expect(events.map((e) => `${e.type}#${e.attempt}`)).toEqual([
      'request#1',
      'attempt#1',
      'attempt#2',
      'attempt#3',
      'response#3',
    ]);
    expect(events.filter((e) => e.type === 'attempt').map((e) => ('error' in e && e.error ? 'error' : 'ok'))).toEqual([
      'error',
      'error',
      'ok',
    ]);
  });

  it('emits exactly one error event when the request fails', async () => {
    const { events, onEvent } = collect();
    const error = await compose([observe({ onEvent }), retryThrice])(`${BASE}/down`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(events.map((e) => e.type)).toEqual(['request', 'attempt', 'attempt', 'attempt', 'error']);
    const last = events.at(-1) as Extract<SluiceEvent, { type: 'error' }>;
    expect(last.error).toBe(error);
    expect(last.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('unsubscribes when the request ends', async () => {
    const { events, onEvent } = collect();
    let emitLater: (() => void) | undefined;
    const leaky: Middleware = {
      name: 'leaky',
      handle(request, context, next) {
        emitLater = () => context.emit({ type: 'attempt', durationMs: 0 });
        return next(request);
      },
    };
    await compose([observe({ onEvent }), leaky])(`${BASE}/ok`);
    const count = events.length;
    emitLater?.();
    expect(events).toHaveLength(count);
  });

  it('never lets a throwing onEvent break the request, and reports it', async () => {
    const reported: Array<[unknown, string]> = [];
    const onEvent = () => {
      throw new Error('listener bug');
    };
    const response = await compose([
      observe({ onEvent, onListenerError: (error, event) => reported.push([error, event.type]) }),
    ])(`${BASE}/ok`);
    expect(response.status).toBe(200);
    expect(reported.map(([error, type]) => [(error as Error).message, type])).toEqual([
      ['listener bug', 'request'],
      ['listener bug', 'attempt'],
      ['listener bug', 'response'],
    ]);
  });

  it('reports a throwing onEvent with console.error by default; a throwing reporter is ignored', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const onEvent = () => {
      throw new Error('listener bug');
    };
    await compose([observe({ onEvent })])(`${BASE}/ok`);
    expect(consoleError).toHaveBeenCalledTimes(3);
    expect(consoleError.mock.calls[0]?.[0]).toMatch(/onEvent threw while handling a "request" event/);
    const throwingReporter = () => {
      throw new Error('reporter bug');
    };
    const response = await compose([observe({ onEvent, onListenerError: throwingReporter })])(`${BASE}/ok`);
    expect(response.status).toBe(200);
  });

  it('exposes the timing of a response through timingOf', async () => {
    const response = await compose([correlationId({ id: 't-1' }), observe({ onEvent: () => {} }), retryThrice])(
      `${BASE}/flaky`,
    );
    const timing = timingOf(response);
    expect(timing).toMatchObject({ attempts: 3, correlationId: 't-1' });
    expect(timing?.durationMs).toBeGreaterThanOrEqual(0);
    expect(timingOf(new Response('x'))).toBeUndefined();
  });

  it('rejects bad options with a TypeError', () => {
    expect(() => observe({} as never)).toThrow(new TypeError('observe(): "onEvent" must be a function, got undefined.'));
    expect(() => observe({ onEvent: () => {}, onListenerError: 1 as never })).toThrow(
      /"onListenerError" must be a function, got number/,
    );
  });
});
