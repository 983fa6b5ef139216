import type { RequestHandler } from 'msw';

/**
 * What every simulated API of the kit returns: its msw handlers, plus its own counters.
 * Spread `handlers` into `setupServer`, `setupWorker`, `server.use` or `serve`.
 *
 * @example
 * ```ts
 * import { setupServer } from 'msw/node';
 * import { rateLimitedApi } from '@sluice/testing';
 *
 * const api = rateLimitedApi({ rate: 5, burst: 5, headers: 'retry-after' });
 * const server = setupServer(...api.handlers);
 * ```
 */
export interface HandlerSet {
  /** The msw request handlers, in the order they must be installed. */
  readonly handlers: RequestHandler[];
}

/**
 * Flattens a mix of handler sets and plain msw handlers into one handler list.
 *
 * @example
 * ```ts
 * const handlers = toHandlers([recorder(), http.get('*\/health', () => new Response('ok'))]);
 * ```
 */
export function toHandlers(sources: readonly (RequestHandler | HandlerSet)[]): RequestHandler[] {
  return sources.flatMap((source) => ('handlers' in source && Array.isArray(source.handlers) ? source.handlers : [source as RequestHandler]));
}

/**
 * A small deterministic random number generator (mulberry32): the same seed gives the
 * same sequence of numbers in `[0, 1)`, in every runtime.
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * const roll = random(); // always the same first value for seed 42
 * ```
 */
export function seededRandom(seed: number): () => number {
  if (!Number.isInteger(seed)) throw new TypeError(`seededRandom(): "seed" must be an integer, got ${String(seed)}.`);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
