import type { RequestHandler } from 'msw';
import { type SetupServer, setupServer } from 'msw/node';
import { type HandlerSet, toHandlers } from './handler-set.js';

/**
 * The lifecycle hooks of your test runner that {@link useServer} registers itself with:
 * Vitest's or Jest's `beforeAll`, `afterEach` and `afterAll`.
 *
 * @example
 * ```ts
 * import { afterAll, afterEach, beforeAll } from 'vitest';
 * const hooks: TestLifecycle = { beforeAll, afterEach, afterAll };
 * ```
 */
export interface TestLifecycle {
  /** Registers `run` to run once before the file's first test (the server starts listening). */
  beforeAll(run: () => void): unknown;
  /** Registers `run` to run after each test (the handlers added in the test are reset). */
  afterEach(run: () => void): unknown;
  /** Registers `run` to run once after the file's last test (the server closes). */
  afterAll(run: () => void): unknown;
}

/**
 * Sets up an msw server for one test file: it listens before the first test with
 * `onUnhandledFrame: 'error'` (a request no handler answers fails the test instead of
 * reaching the network), drops the handlers a test added with `server.use()` after each
 * test, and closes after the last one. Handlers and the kit's handler sets given here
 * stay for every test.
 *
 * @example
 * ```ts
 * import { afterAll, afterEach, beforeAll } from 'vitest';
 * import { rateLimitedApi } from '@sluice/testing';
 * import { useServer } from '@sluice/testing/node';
 *
 * const server = useServer({ beforeAll, afterEach, afterAll }, rateLimitedApi({ rate: 5, burst: 5 }));
 * // in a test: server.use(http.get('https://api.test/x', () => HttpResponse.text('ok')));
 * ```
 */
export function useServer(lifecycle: TestLifecycle, ...handlers: (RequestHandler | HandlerSet)[]): SetupServer {
  if (!lifecycle || typeof lifecycle.beforeAll !== 'function' || typeof lifecycle.afterEach !== 'function' || typeof lifecycle.afterAll !== 'function') {
    throw new TypeError('useServer(): "lifecycle" must be { beforeAll, afterEach, afterAll } from your test runner.');
  }
  const server = setupServer(...toHandlers(handlers));
  lifecycle.beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
  lifecycle.afterEach(() => server.resetHandlers());
  lifecycle.afterAll(() => server.close());
  return server;
}
