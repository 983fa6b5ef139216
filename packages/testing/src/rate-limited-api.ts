import { HttpResponse, http } from 'msw';
import type { HandlerSet } from './handler-set.js';

/**
 * Which rate-limit headers {@link rateLimitedApi} sends (see {@link RateLimitedApiOptions.headers}).
 *
 * @example
 * ```ts
 * const headers: RateLimitHeaderStyle = 'x-ratelimit'; // GitHub style
 * const api = rateLimitedApi({ rate: 5, burst: 10, headers });
 * ```
 */
export type RateLimitHeaderStyle = 'retry-after' | 'ratelimit' | 'x-ratelimit';

/**
 * Options of {@link rateLimitedApi}.
 *
 * @example
 * ```ts
 * const options: RateLimitedApiOptions = { rate: 10, burst: 20, headers: 'ratelimit', url: '*\/api/*' };
 * ```
 */
export interface RateLimitedApiOptions {
  /** Tokens added per second: the sustained request rate. */
  rate: number;
  /** Bucket size: how many requests may arrive at once. A positive integer. */
  burst: number;
  /**
   * The headers of a 429 (and of every answer, for the two `RateLimit` styles):
   * - `'retry-after'`: `Retry-After: <seconds>` on a 429;
   * - `'ratelimit'`: the IETF draft `RateLimit-Policy: "bucket";q=<rate>;w=1` (the refill
   *   rate, as whole requests per whole seconds) and `RateLimit: "bucket";r=<whole tokens
   *   left>;t=<seconds until the bucket is full, rounded up>`;
   * - `'x-ratelimit'`: `X-RateLimit-Limit` (the burst), `X-RateLimit-Remaining` (whole
   *   tokens left) and `X-RateLimit-Reset` (the epoch time at which the bucket is full, in
   *   seconds with three decimals), GitHub's names.
   */
  headers: RateLimitHeaderStyle;
  /** The msw path the API answers (any method). Default `'*'`: every request. */
  url?: string;
  /** The answer to an admitted request. Default: `200 {"ok":true}`. */
  respond?: (request: Request) => Response | Promise<Response>;
  /** The clock, in ms. Default `Date.now` (which vitest's fake timers control). */
  now?: () => number;
}

/**
 * The counters of a {@link RateLimitedApi}.
 *
 * @example
 * ```ts
 * const api = rateLimitedApi({ rate: 1, burst: 2, headers: 'retry-after' });
 * // ...after the test's requests:
 * const { ok, limited }: RateLimitStats = api.stats;
 * expect(limited).toBeGreaterThan(0);
 * ```
 */
export interface RateLimitStats {
  /** Requests admitted (answered by `respond`). */
  ok: number;
  /** Requests refused with 429. */
  limited: number;
}

/**
 * A token-bucket rate-limited API (see {@link rateLimitedApi}).
 *
 * @example
 * ```ts
 * const api: RateLimitedApi = rateLimitedApi({ rate: 1, burst: 1, headers: 'retry-after' });
 * console.log(api.stats.limited);
 * ```
 */
export interface RateLimitedApi extends HandlerSet {
  /** Live counters of 200s (`ok`) and 429s (`limited`). */
  readonly stats: Readonly<RateLimitStats>;
  /** Tokens left in the bucket now. */
  tokens(): number;
  /** Refills the bucket and zeroes the counters. */
  reset(): void;
}

/**
 * A server behind a token bucket: `burst` requests at once, then `rate` per second. A
 * request that finds the bucket empty gets a 429 with the chosen rate-limit headers, which
 * say exactly when the next token arrives.
 *
 * @example
 * ```ts
 * import { setupServer } from 'msw/node';
 * import { rateLimitedApi } from '@sluice/testing';
 *
 * const api = rateLimitedApi({ rate: 2, burst: 2, headers: 'x-ratelimit', url: 'https://api.example.com/*' });
 * const server = setupServer(...api.handlers);
 * server.listen({ onUnhandledFrame: 'error' });
 * // ...run the client, then:
 * console.log(api.stats.ok, api.stats.limited);
 * server.close();
 * ```
 */
export function rateLimitedApi(options: RateLimitedApiOptions): RateLimitedApi {
  const { rate, burst, headers: style, url = '*', respond = () => HttpResponse.json({ ok: true }), now = Date.now } = options ?? {};
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
    throw new TypeError(`rateLimitedApi(): "rate" must be a positive number of requests per second, got ${String(rate)}.`);
  }
  if (!Number.isInteger(burst) || burst < 1) throw new TypeError(`rateLimitedApi(): "burst" must be a positive integer, got ${String(burst)}.`);
  if (style !== 'retry-after' && style !== 'ratelimit' && style !== 'x-ratelimit') {
    throw new TypeError(`rateLimitedApi(): "headers" must be 'retry-after', 'ratelimit' or 'x-ratelimit', got ${String(style)}.`);
  }
  if (typeof respond !== 'function') throw new TypeError('rateLimitedApi(): "respond" must be a function.');
  if (typeof now !== 'function') throw new TypeError('rateLimitedApi(): "now" must be a function.');

  const stats: RateLimitStats = { ok: 0, limited: 0 };
  let tokens = burst;
  let updatedAt = now();
  const refill = () => {
    const time = now();
    tokens = Math.min(burst, tokens + ((time - updatedAt) / 1000) * rate);
    updatedAt = time;
  };
  /** Seconds until one whole token is in the bucket. */
  const secondsToToken = () => (tokens >= 1 ? 0 : (1 - tokens) / rate);
  /** Seconds until the bucket is full again: when its quota "resets". */
  const secondsToFull = () => (burst - tokens) / rate;

  const headersFor = (admitted: boolean): Headers => {
    const out = new Headers();
    const remaining = Math.floor(tokens);
    if (style === 'retry-after') {
      if (!admitted) out.set('retry-after', String(Math.max(1, Math.ceil(secondsToToken()))));
    } else if (style === 'ratelimit') {
      // The policy is the refill rate (the draft's q and w are whole numbers), the count
      // the whole tokens left, and the reset the whole seconds until the bucket is full.
      out.set('ratelimit-policy', `"bucket";${policyOf(rate)}`);
      out.set('ratelimit', `"bucket";r=${remaining};t=${Math.ceil(secondsToFull() - 1e-9)}`);
    } else {
      // GitHub's names, with the limit the bucket's size and the reset the epoch time at
      // which it is full again, in seconds with milliseconds (as Discord sends it).
      out.set('x-ratelimit-limit', String(burst));
      out.set('x-ratelimit-remaining', String(remaining));
      out.set('x-ratelimit-reset', ((now() + Math.ceil(secondsToFull() * 1000)) / 1000).toFixed(3));
    }
    return out;
  };

  const handler = http.all(url, async ({ request }) => {
    refill();
    if (tokens < 1) {
      stats.limited++;
      return HttpResponse.json(
        { error: 'rate_limited', message: 'Too many requests' },
        { status: 429, statusText: 'Too Many Requests', headers: headersFor(false) },
      );
    }
    tokens -= 1;
    stats.ok++;
    // An admitted request gets no extra headers in the 'retry-after' style.
    if (style === 'retry-after') return respond(request);
    const extra = headersFor(true);
    const response = await respond(request);
    const merged = new Headers(response.headers);
    for (const [key, value] of extra) merged.set(key, value);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers: merged });
  });

  return {
    handlers: [handler],
    stats,
    tokens() {
      refill();
      return tokens;
    },
    reset() {
      tokens = burst;
      updatedAt = now();
      stats.ok = 0;
      stats.limited = 0;
    },
  };
}

/** A refill rate as the draft's whole `q` per whole `w` seconds (`q=200;w=1`, `q=1;w=2` for 0.5/s). */
function policyOf(rate: number): string {
  if (rate >= 1) return `q=${Math.floor(rate)};w=1`;
  return `q=1;w=${Math.ceil(1 / rate)}`;
}
