import type { Middleware } from '../types/index.js';
import type { RetryOptions } from './retry-options.js';
import { resolveSettings } from './retry-settings.js';
import { retryRequest } from './retry-attempt.js';

export { DEFAULT_RETRY_METHODS, DEFAULT_RETRY_STATUSES, type RetryOn, type RetryOptions, type RetrySleep } from './retry-options.js';

/**
 * Retries failed attempts: 408/429/5xx responses and network errors, for idempotent
 * methods, with exponential backoff and full jitter. Honours Retry-After (and the
 * RateLimit headers) on 429 and 503 through the shared rate-limit gate, which it
 * consults before every attempt. A retry budget stops retry storms; `maxElapsed`
 * bounds the whole request. Per request: `retry: false` or `retry: { limit: 0 }`.
 *
 * The pieces: `retry-options.ts` (the options and defaults), `retry-settings.ts` (their
 * checks), `retry-attempt.ts` (one request: the first attempt inline, then the loop) and
 * `retry-decide.ts` (what failed, and what a stop says).
 *
 * @example
 * ```ts
 * const pipeline = compose([errors(), retry({ limit: 5, idempotencyKey: true })]);
 * const once = await pipeline('https://api.example.com/jobs', { retry: false });
 * ```
 */
export function retry(options: RetryOptions = {}): Middleware {
  const base = resolveSettings(options, undefined, 'retry');
  const never = { ...base, limit: 0 };
  return {
    name: 'retry',
    handle(request, context, next) {
      const perRequest = context.options.retry;
      const settings =
        perRequest === undefined ? base : perRequest === false ? never : resolveSettings(perRequest, base, 'retry (per-request option)');
      return retryRequest(settings, request, context, next);
    },
  };
}
