import {
  checkKeys,
  concurrency,
  correlationId,
  errors,
  type FetchLike,
  type Middleware,
  observe,
  retry,
  type RetryOptions,
  Stack,
  timeout,
} from '@sluice/core';
import { defaultAuth } from './default-auth.js';
import { TIMEOUT_KEYS } from './option-keys.js';
import type { ClientOptions, MiddlewarePlacement, TimeoutPhases } from './options.js';

/**
 * The default deadlines of a client, in ms: 30 s per attempt, 120 s in total.
 *
 * @example
 * ```ts
 * const client = createClient({ timeout: { ...DEFAULT_TIMEOUT, total: 10 * 60_000 } });
 * ```
 */
export const DEFAULT_TIMEOUT: Readonly<Required<TimeoutPhases>> = Object.freeze({ attempt: 30_000, total: 120_000 });

/**
 * Builds the standard chain from client options, outermost first:
 * errors · correlationId · observe · timeout.total · retry · concurrency · auth · timeout.attempt,
 * leaving out what the options turn off, then places the extra middlewares.
 *
 * @example
 * ```ts
 * const names = standardStack({ concurrency: 4 }).names();
 * // ['errors', 'correlationId', 'timeout.total', 'retry', 'concurrency', 'auth', 'timeout.attempt']
 * ```
 */
export function standardStack(options: ClientOptions = {}): Stack {
  const phases = timeoutPhases(options.timeout);
  const list: Middleware[] = [];
  list.push(
    errors({
      ...(options.throwHttpErrors === undefined ? {} : { throwHttpErrors: options.throwHttpErrors }),
      ...(options.mapError ? { map: options.mapError } : {}),
      ...(options.secrets ? { secrets: options.secrets } : {}),
    }),
  );
  if (options.correlationId !== false) list.push(correlationId(options.correlationId ?? {}));
  if (options.onEvent) list.push(observe({ onEvent: options.onEvent }));
  if (phases.total !== false) list.push(named(() => timeout({ total: phases.total }), 'timeout()', 'total', phases.totalName));
  if (options.retry !== false) {
    list.push(retry(retryOptions(options)));
  }
  const limit = options.concurrency;
  if (limit !== undefined && limit !== false) {
    list.push(typeof limit === 'number' ? named(() => concurrency({ limit }), 'concurrency', 'limit', 'concurrency') : concurrency(limit));
  }
  // An auth slot unless `auth: false`. With no client credentials, defaultAuth() sends none
  // but still applies a per-request `auth` (Atlan's application SDK passes auth per call),
  // as noAuth() would, without bundling @sluice/auth's machinery.
  if (options.auth !== false) {
    list.push(options.auth ? bindAuth(options.auth, options) : defaultAuth({ fetch: options.fetch as FetchLike | undefined }));
  }
  if (phases.attempt !== false) list.push(named(() => timeout({ attempt: phases.attempt }), 'timeout()', 'attempt', 'timeout.attempt'));
  return placeExtras(new Stack(list), options.middleware ?? []);
}

/** Auth middlewares from @sluice/auth get the client's baseUrl (their origin scope) and terminal fetch. */
function bindAuth(auth: Middleware, options: ClientOptions): Middleware {
  const bindable = auth as Middleware & { bind?: (binding: { baseUrl?: string | URL; fetch?: FetchLike }) => Middleware };
  if (typeof bindable.bind !== 'function') return auth;
  return bindable.bind({
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch as FetchLike }),
  });
}

/** The `timeout` option as the two phases; the numbers are checked by timeout() itself. */
function timeoutPhases(value: ClientOptions['timeout']): { attempt: number | false; total: number | false; totalName: string } {
  if (value === false) return { attempt: false, total: false, totalName: 'timeout.total' };
  if (value === undefined) return { ...DEFAULT_TIMEOUT, totalName: 'timeout.total' };
  if (typeof value === 'number') return { attempt: DEFAULT_TIMEOUT.attempt, total: value, totalName: 'timeout' };
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`createClient: "timeout" must be a number of ms, false, or { attempt, total }; got ${String(value)}.`);
  }
  checkKeys('createClient: "timeout"', value, TIMEOUT_KEYS);
  return {
    attempt: value.attempt === undefined ? DEFAULT_TIMEOUT.attempt : value.attempt,
    total: value.total === undefined ? DEFAULT_TIMEOUT.total : value.total,
    totalName: 'timeout.total',
  };
}

/**
 * Builds a middleware whose option the client passes on as it is, so that the middleware's
 * own check is the only one; its message then names the client's option
 * (`timeout(): "total"` becomes `createClient: "timeout"` for `timeout: -1`).
 */
function named(build: () => Middleware, where: string, name: string, clientName: string): Middleware {
  try {
    return build();
  } catch (error) {
    const prefix = `${where}: "${name}"`;
    if (!(error instanceof TypeError) || !error.message.startsWith(prefix)) throw error;
    throw new TypeError(`createClient: "${clientName}"${error.message.slice(prefix.length)}`);
  }
}

function placeExtras(base: Stack, extras: ReadonlyArray<Middleware | MiddlewarePlacement>): Stack {
  let stack = base;
  extras.forEach((extra, index) => {
    if (!extra || typeof extra !== 'object') {
      throw new TypeError(`createClient: "middleware[${index}]" must be a middleware or { middleware, before | after | replace }.`);
    }
    if (!('middleware' in extra)) {
      stack = stack.use(extra);
      return;
    }
    const anchors = (['before', 'after', 'replace'] as const).filter((key) => extra[key] !== undefined);
    if (anchors.length !== 1) {
      throw new TypeError(
        `createClient: "middleware[${index}]" needs exactly one of before, after or replace (got ${anchors.length ? anchors.join(', ') : 'none'}).`,
      );
    }
    try {
      if (extra.before !== undefined) stack = stack.before(extra.before, extra.middleware);
      else if (extra.after !== undefined) stack = stack.after(extra.after, extra.middleware);
      else if (extra.replace !== undefined) stack = stack.replace(extra.replace, extra.middleware);
    } catch (error) {
      throw new TypeError(`createClient: "middleware[${index}]": ${(error as Error).message}`);
    }
  });
  return stack;
}

/**
 * The client's `retry` as retry's options, with the client's `gate` and `retryBudget`:
 * ky's number form is the retry limit (`0` = no retries, `1` = one). A value that is
 * neither goes to retry() as it is, which refuses it naming the option.
 */
function retryOptions(options: ClientOptions): Partial<RetryOptions> {
  const value = options.retry;
  const shared = {
    ...(options.gate === undefined ? {} : { gate: options.gate }),
    ...(options.retryBudget === undefined ? {} : { retryBudget: options.retryBudget }),
  };
  if (value === undefined) return shared;
  if (typeof value === 'number') return { limit: value, ...shared };
  if (value === null || typeof value !== 'object') return value as never;
  return { ...value, ...shared };
}
