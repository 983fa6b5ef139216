import {
  compose,
  concurrency,
  type Context,
  createRateGate,
  createRetryBudget,
  type FetchLike,
  type Middleware,
  type RateGate,
  retry,
  type SentTicket,
  TimeoutError,
  timeout,
} from '@sluice/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const A = 'https://a.test';
const B = 'https://b.test';

/**
 * A real gate, wrapped to record the order of closures and admissions, and a check placed
 * right before the terminal fetch that flags any attempt sent to an origin whose closure
 * began before the attempt was admitted, or sent after its own total deadline.
 */
function watchedGate(options: Parameters<typeof createRateGate>[0] = {}) {
  const real = createRateGate(options);
  let order = 0;
  const closedAtOrder = new Map<string, number>();
  const admittedOrder = new WeakMap<SentTicket, number>();
  const violations: string[] = [];
  const deadlines = new WeakMap<Request, number>();
  const gate: RateGate = {
    acquire: (origin, signal, maxWait) => real.acquire(origin, signal, maxWait),
    observe(origin, response, ticket) {
      const wasOpen = real.closedFor(origin) === 0;
      real.observe(origin, response, ticket);
      if (wasOpen && real.closedFor(origin) > 0) closedAtOrder.set(origin, ++order);
    },
    closedFor: (origin) => real.closedFor(origin),
    epoch: (origin) => real.epoch?.(origin) ?? 0,
    ticket(origin) {
      const ticket = real.ticket?.(origin);
      if (ticket) admittedOrder.set(ticket, ++order); // undefined: not admitted now (closed, or a new origin's first answer awaited)
      return ticket;
    },
  };
  const check: Middleware = {
    name: 'check',
    handle(request, context: Context, next) {
      const origin = new URL(request.url).origin;
      const ticket = (context.state.admission as { ticket?: SentTicket } | undefined)?.ticket;
      const admitted = ticket ? admittedOrder.get(ticket) : undefined;
      if (admitted === undefined) violations.push(`${request.url} reached the wire without passing the gate`);
      const closedAt = closedAtOrder.get(origin);
      if (real.closedFor(origin) > 0 && closedAt !== undefined && admitted !== undefined && closedAt < admitted) {
        violations.push(`${request.url} sent during a closure of ${origin} that began before it was admitted`);
      }
      const deadline = context.state.deadline;
      if (deadline) deadlines.set(request, deadline.at);
      return next(request);
    },
  };
  /** Called by the terminal fetch as the request goes on the wire: the exact moment to compare with its deadline. */
  const onSend = (request: Request) => {
    const at = deadlines.get(request);
    if (at !== undefined && Date.now() > at) violations.push(`${request.url} sent after its deadline`);
  };
  return { gate, check, violations, real, onSend };
}

type Answer = { status: number; retryAfterMs?: number; delayMs?: number };

/** A terminal fetch that answers each request with `answer(url, n)`, after its delay. */
function scriptedFetch(answer: (url: URL, n: number) => Answer, onSend?: (request: Request) => void) {
  const seen: string[] = [];
  const fetch: FetchLike = (request, init) => {
    onSend?.(request);
    const url = new URL(request.url);
    seen.push(url.href);
    const { status, retryAfterMs, delayMs = 0 } = answer(url, seen.length);
    const signal = init?.signal ?? request.signal;
    return new Promise<Response>((resolve, reject) => {
      const respond = () => {
        signal.removeEventListener('abort', onAbort);
        const headers: Record<string, string> = retryAfterMs === undefined ? {} : { 'retry-after-ms': String(retryAfterMs) };
        resolve(new Response(status === 200 ? 'ok' : null, { status, headers }));
      };
      const timer = setTimeout(respond, delayMs);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  };
  return { fetch, seen };
}

function stack(form: 'queue' | 'pool', gate: RateGate, check: Middleware, limit = 2, total: number | false = false) {
  const limiter = concurrency({ limit });
  const middlewares: Middleware[] = [
    ...(total === false ? [] : [timeout({ total })]),
    retry({ gate, retryBudget: false, limit: 5, baseDelay: 1, maxDelay: 5 }),
    ...(form === 'queue' ? [limiter] : []),
    timeout({ attempt: 2_000 }),
    check,
  ];
  return { middlewares, limiter };
}

/** Runs `count` calls through `run` with `workers` workers (the worker-pool form). */
async function pool<T>(count: number, workers: number, run: (index: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = [];
  let nextIndex = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (nextIndex < count) {
        const index = nextIndex++;
        results[index] = await run(index).then(
          (value) => ({ status: 'fulfilled', value }) as const,
          (reason: unknown) => ({ status: 'rejected', reason }) as const,
        );
      }
    }),
  );
  return results;
}

describe('the scheduler: the gate right before the wire, after any queue', () => {
  for (const form of ['queue', 'pool'] as const) {
    it(`${form}: a 429 closes the origin and no request admitted before it is sent during the closure`, async () => {
      const { gate, check, violations } = watchedGate();
      const { fetch, seen } = scriptedFetch((_url, n) => (n === 1 ? { status: 429, retryAfterMs: 80 } : { status: 200, delayMs: 2 }));
      const { middlewares, limiter } = stack(form, gate, check, 1);
      const pipeline = compose(middlewares, { fetch });
      const call = (i: number) => pipeline(`${A}/item/${i}`).then((response) => response.status);
      const statuses =
        form === 'queue'
          ? await Promise.all(Array.from({ length: 10 }, (_, i) => call(i)))
          : (await pool(10, 10, call)).map((result) => (result.status === 'fulfilled' ? result.value : 0));
      expect(statuses).toEqual(Array(10).fill(200));
      expect(seen).toHaveLength(11);
      expect(violations).toEqual([]);
      expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
    });
  }

  it('two origins share one concurrency limit: origin B keeps flowing while origin A is closed', async () => {
    const { gate, check, violations, real } = watchedGate();
    const { fetch } = scriptedFetch((url) => (url.origin === A ? { status: 429, retryAfterMs: 5_000 } : { status: 200, delayMs: 1 }));
    const { middlewares, limiter } = stack('queue', gate, check, 2);
    const pipeline = compose(middlewares, { fetch });
    const controller = new AbortController();
    const fromA = Array.from({ length: 10 }, (_, i) => pipeline(`${A}/x/${i}`, { signal: controller.signal }));
    const fromB = await Promise.all(Array.from({ length: 40 }, (_, i) => pipeline(`${B}/y/${i}`).then((r) => r.status)));
    expect(fromB).toEqual(Array(40).fill(200));
    expect(real.closedFor(A)).toBeGreaterThan(0); // B finished while A was still closed
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 }); // A's waiters hold no slot
    controller.abort();
    const settledA = await Promise.allSettled(fromA);
    expect(settledA.every((result) => result.status === 'rejected' && (result.reason as Error).name === 'AbortError')).toBe(true);
    expect(violations).toEqual([]);
  });

  it('a waiter whose total deadline passed in the queue settles with a TimeoutError saying it never left the queue', async () => {
    const { gate, check, violations, onSend } = watchedGate();
    const { fetch, seen } = scriptedFetch(() => ({ status: 200, delayMs: 40 }), onSend);
    const { middlewares, limiter } = stack('queue', gate, check, 1, 100);
    const pipeline = compose(middlewares, { fetch });
    const settled = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => pipeline(`${A}/slow/${i}`)));
    const failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as TimeoutError] : []));
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(TimeoutError);
      expect(failure.phase).toBe('total');
    }
    const unsent = failures.filter((failure) => /never left the queue/.test(failure.message));
    expect(seen.length + unsent.length).toBeLessThanOrEqual(8);
    expect(unsent.length).toBeGreaterThan(0);
    expect(violations).toEqual([]);
    expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
  });

  for (const form of ['queue', 'pool'] as const) {
    it(`${form}: a request held at a closed gate past its deadline says it never left the gate`, async () => {
      const { gate, check } = watchedGate();
      const { fetch, seen } = scriptedFetch(() => ({ status: 429, retryAfterMs: 5_000 }));
      const { middlewares } = stack(form, gate, check, 4, 60);
      const pipeline = compose(middlewares, { fetch });
      const first = await pipeline(`${A}/first`).catch((thrown: unknown) => thrown);
      expect(first).toBeInstanceOf(TimeoutError);
      expect((first as TimeoutError).message).toMatch(/waited at the rate-limit gate; attempt 2 never left the gate/);
      const second = await pipeline(`${A}/second`).catch((thrown: unknown) => thrown);
      expect(second).toBeInstanceOf(TimeoutError);
      expect((second as TimeoutError).message).toMatch(/waited at the rate-limit gate; it never left the gate and was not sent/);
      expect((second as TimeoutError).message).not.toMatch(/before the response headers/);
      expect(seen).toHaveLength(1);
    });
  }

  it('a retry paced by the server (Retry-After) draws nothing from the retry budget; a 5xx retry does', async () => {
    const budget = createRetryBudget({ capacity: 10, retryCost: 5 });
    const { fetch } = scriptedFetch((url, n) => {
      if (url.pathname === '/busy') return n % 2 === 1 ? { status: 429, retryAfterMs: 5 } : { status: 200 };
      return n % 2 === 1 ? { status: 500 } : { status: 200 };
    });
    // No gate here: its adaptive rate would pace this origin after the 429s; the budget is what is tested.
    const pipeline = compose([retry({ gate: false, retryBudget: budget, baseDelay: 1, maxDelay: 2 })], { fetch });
    for (let i = 0; i < 4; i++) expect((await pipeline(`${A}/busy`)).status).toBe(200);
    expect(budget.available).toBe(10);
    expect((await pipeline(`${A}/broken`)).status).toBe(200);
    expect(budget.available).toBe(5);
  });
});

describe('the scheduler: the property', () => {
  it('under random 429s, aborts and deadlines, nothing is sent to a closed origin, and the limiter drains to 0', async () => {
    const call = fc.record({
      origin: fc.constantFrom(A, B),
      status: fc.constantFrom(200, 200, 200, 429),
      retryAfterMs: fc.integer({ min: 0, max: 30 }),
      delayMs: fc.integer({ min: 0, max: 5 }),
      abortAfterMs: fc.option(fc.integer({ min: 0, max: 40 }), { freq: 4 }),
      totalMs: fc.option(fc.integer({ min: 5, max: 80 }), { freq: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('queue' as const, 'pool' as const),
        fc.integer({ min: 1, max: 4 }),
        fc.array(call, { minLength: 30, maxLength: 60 }),
        async (form, limit, calls) => {
          // No adaptive rate: its pacing after many throttles is slow and beside the point here.
          const { gate, check, violations, onSend } = watchedGate({ adaptive: false, releaseWindowMs: 20 });
          const byPath = new Map(calls.map((c, i) => [`/c/${i}`, c]));
          const tries = new Map<string, number>();
          const { fetch } = scriptedFetch((url) => {
            const c = byPath.get(url.pathname) as (typeof calls)[number];
            const n = (tries.get(url.pathname) ?? 0) + 1;
            tries.set(url.pathname, n);
            return n === 1 && c.status === 429 ? { status: 429, retryAfterMs: c.retryAfterMs } : { status: 200, delayMs: c.delayMs };
          }, onSend);
          const { middlewares, limiter } = stack(form, gate, check, limit, false);
          const pipeline = compose([timeout({ total: false }), ...middlewares], { fetch });
          const run = async (i: number) => {
            const c = calls[i] as (typeof calls)[number];
            const controller = new AbortController();
            const timer = c.abortAfterMs === null ? undefined : setTimeout(() => controller.abort(), c.abortAfterMs);
            try {
              const response = await pipeline(`${c.origin}/c/${i}`, {
                signal: controller.signal,
                ...(c.totalMs === null ? {} : { timeout: { total: c.totalMs } }),
              });
              await response.text();
            } finally {
              clearTimeout(timer);
            }
          };
          const settled =
            form === 'queue' ? await Promise.allSettled(calls.map((_, i) => run(i))) : await pool(calls.length, 4, run);
          expect(settled).toHaveLength(calls.length);
          for (const result of settled) {
            if (result.status === 'rejected') expect(['AbortError', 'TimeoutError']).toContain((result.reason as Error).name);
          }
          expect(violations).toEqual([]);
          expect(limiter.stats()).toEqual({ inFlight: 0, queued: 0 });
        },
      ),
      { numRuns: 8 },
    );
  }, 60_000);
});
