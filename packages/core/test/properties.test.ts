import { compose, type Middleware, parseAnnouncedQuota, parseLinkHeader, parseRetryAfter, quotaExhausted, Stack, serverDelay } from '@sluice/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** Header-ish text: printable ASCII with the separators the parsers split on, often. */
const headerText = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.stringMatching(/^[ -~]{0,80}$/),
  fc.array(fc.constantFrom('r=', 't=', ';', ',', '=', '"', '0', '-1', '1e3', '999999999999999999999', 'reset=', 'remaining=', ' ', 'NaN', 'GMT', 'Sun, 06 Nov 1994 08:49:37 GMT'), { maxLength: 12 }).map((parts) => parts.join('')),
);
const now = fc.integer({ min: 0, max: 4_102_444_800_000 });
/** The headers serverDelay and quotaExhausted read. */
const RATE_HEADERS = ['retry-after', 'retry-after-ms', 'ratelimit', 'ratelimit-remaining', 'ratelimit-reset', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-reset-after'];
const rateHeaders = fc.dictionary(fc.constantFrom(...RATE_HEADERS), headerText.map((text) => text.replace(/[\r\n\0]/g, '').trim()), { maxKeys: 5 });

function isDelay(value: number | undefined): boolean {
  return value === undefined || (Number.isFinite(value) && value >= 0);
}

describe('header parsers never throw and give non-negative finite delays (fast-check)', () => {
  it('parseRetryAfter', () => {
    fc.assert(fc.property(headerText, now, (text, at) => isDelay(parseRetryAfter(text, at))));
  });

  it('serverDelay and quotaExhausted over Retry-After, RateLimit and X-RateLimit-* headers', () => {
    fc.assert(
      fc.property(rateHeaders, now, (dict, at) => {
        const headers = new Headers(dict);
        return isDelay(serverDelay(headers, at)) && isDelay(quotaExhausted(headers, at));
      }),
    );
  });

  it('parseAnnouncedQuota: counts are whole numbers from 0 to 1e9, times from 0 to a year, over every RateLimit family', () => {
    const QUOTA_HEADERS = ['ratelimit', 'ratelimit-policy', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-reset-after', 'date'];
    const quotaHeaders = fc.dictionary(fc.constantFrom(...QUOTA_HEADERS), headerText.map((text) => text.replace(/[\r\n\0]/g, '').trim()), { maxKeys: 6 });
    const YEAR = 366 * 24 * 3600 * 1000;
    fc.assert(
      fc.property(quotaHeaders, now, (dict, at) => {
        const quota = parseAnnouncedQuota(new Headers(dict), at);
        if (quota === undefined) return;
        for (const count of [quota.limit, quota.remaining]) {
          if (count !== undefined) expect(Number.isInteger(count) && count >= 0 && count <= 1e9).toBe(true);
        }
        for (const ms of [quota.resetMs, quota.windowMs]) {
          if (ms !== undefined) expect(Number.isFinite(ms) && ms >= 0 && ms <= YEAR).toBe(true);
        }
        expect(typeof quota.resetPrecise).toBe('boolean');
      }),
    );
  });

  it('parseLinkHeader: links are well formed, rel lower-cased, never more links than commas + 1', () => {
    fc.assert(
      fc.property(fc.oneof(headerText, fc.array(fc.constantFrom('<', '>', ';', ',', '"', 'rel=', 'next', ' ', '\\', 'http://x/'), { maxLength: 20 }).map((p) => p.join(''))), (text) => {
        const links = parseLinkHeader(text);
        expect(links.length).toBeLessThanOrEqual(text.split(',').length);
        for (const link of links) {
          expect(typeof link.uri).toBe('string');
          expect(link.rel.every((rel) => rel === rel.toLowerCase() && rel !== '')).toBe(true);
        }
      }),
    );
  });
});

/** A middleware that records each entry and each `finally`. */
function counting(name: string, log: string[], behaviour: 'pass' | 'throw' | 'retry' | 'short'): Middleware {
  return {
    name,
    async handle(request, _context, next) {
      log.push(`enter ${name}`);
      try {
        if (behaviour === 'throw') throw new Error(`${name} failed`);
        if (behaviour === 'short') return new Response('short');
        const first = await next(request);
        if (behaviour === 'retry') {
          await first.text();
          return await next(request.clone());
        }
        return first;
      } finally {
        log.push(`finally ${name}`);
      }
    },
  };
}

describe('compose (fast-check)', () => {
  it("each middleware's finally runs exactly once per time it was entered, whatever the others do", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('pass', 'throw', 'retry', 'short') as fc.Arbitrary<'pass' | 'throw' | 'retry' | 'short'>, { minLength: 1, maxLength: 6 }), fc.boolean(), async (behaviours, terminalFails) => {
        const log: string[] = [];
        const list = behaviours.map((behaviour, index) => counting(`m${index}`, log, behaviour));
        const pipeline = compose(list, {
          fetch: async () => {
            if (terminalFails) throw new TypeError('fetch failed');
            return new Response('ok');
          },
        });
        await pipeline('https://api.example.test/x').then(
          (response) => response.text(),
          () => undefined,
        );
        for (const middleware of list) {
          const entered = log.filter((line) => line === `enter ${middleware.name}`).length;
          const finished = log.filter((line) => line === `finally ${middleware.name}`).length;
          expect(finished).toBe(entered);
        }
        expect(log.filter((line) => line === 'enter m0')).toHaveLength(1);
      }),
      { numRuns: 200 },
    );
  });
});

type Edit =
  | { op: 'use'; name: string }
  | { op: 'before' | 'after'; anchor: string; name: string }
  | { op: 'replace'; anchor: string; name: string }
  | { op: 'remove'; anchor: string };

const NAMES = ['a', 'b', 'c', 'd', 'e'];
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('use' as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ op: fc.constantFrom('before' as const, 'after' as const), anchor: fc.constantFrom(...NAMES), name: fc.constantFrom(...NAMES) }),
  fc.record({ op: fc.constant('replace' as const), anchor: fc.constantFrom(...NAMES), name: fc.constantFrom(...NAMES) }),
  fc.record({ op: fc.constant('remove' as const), anchor: fc.constantFrom(...NAMES) }),
);

const mw = (name: string): Middleware => ({ name, handle: (request, _context, next) => next(request) });

/** The model: a list of names; `undefined` where the edit must throw. */
function model(names: readonly string[], edit: Edit): string[] | undefined {
  const has = (name: string) => names.includes(name);
  switch (edit.op) {
    case 'use':
      return has(edit.name) ? undefined : [...names, edit.name];
    case 'remove':
      return has(edit.anchor) ? names.filter((name) => name !== edit.anchor) : undefined;
    case 'replace': {
      if (!has(edit.anchor)) return undefined;
      const out = names.map((name) => (name === edit.anchor ? edit.name : name));
      return new Set(out).size === out.length ? out : undefined;
    }
    default: {
      if (!has(edit.anchor) || has(edit.name)) return undefined;
      const index = names.indexOf(edit.anchor) + (edit.op === 'after' ? 1 : 0);
      return [...names.slice(0, index), edit.name, ...names.slice(index)];
    }
  }
}

function apply(stack: Stack, edit: Edit): Stack {
  switch (edit.op) {
    case 'use':
      return stack.use(mw(edit.name));
    case 'remove':
      return stack.remove(edit.anchor);
    case 'replace':
      return stack.replace(edit.anchor, mw(edit.name));
    case 'before':
      return stack.before(edit.anchor, mw(edit.name));
    default:
      return stack.after(edit.anchor, mw(edit.name));
  }
}

describe('the stack editor against a list model (fast-check)', () => {
  it('every edit gives the model’s names, or throws a TypeError exactly where the model refuses; the old stack never changes', () => {
    fc.assert(
      fc.property(fc.array(editArb, { maxLength: 12 }), (edits) => {
        let stack = new Stack();
        let names: string[] = [];
        for (const edit of edits) {
          const expected = model(names, edit);
          const before = stack.names();
          if (expected === undefined) {
            expect(() => apply(stack, edit)).toThrow(TypeError);
          } else {
            stack = apply(stack, edit);
            names = expected;
          }
          expect(stack.names()).toEqual(names);
          if (expected !== undefined) expect(before).not.toBe(stack.names());
        }
      }),
      { numRuns: 300 },
    );
  });
});
