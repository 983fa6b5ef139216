import type {
  ConcurrencyOptions,
  CorrelationIdOptions,
  ErrorsOptions,
  FetchLike,
  Middleware,
  RateGate,
  RetryBudget,
  RetryBudgetOptions,
  RetryOptions,
  SluiceEvent,
  Stack,
  ThrowHttpErrors,
} from '@sluice/core';
import type { AuthMiddleware } from '@sluice/auth';
import type { SearchParamsOption } from 'ky';
import type { KyCallOptions } from './request-options.js';

/**
 * Where an extra middleware goes in the standard chain. A bare middleware is appended at
 * the inner end (closest to the network, after `timeout.attempt`).
 *
 * @example
 * ```ts
 * const placement: MiddlewarePlacement = { middleware: myLogger, after: 'retry' };
 * ```
 */
export type MiddlewarePlacement =
  | {
      /** The middleware to add. */
      middleware: Middleware;
      /** The name of the middleware it goes just outside of (e.g. `'retry'`). */
      before: string;
      /** One anchor only. */
      after?: never;
      /** One anchor only. */
      replace?: never;
    }
  | {
      /** The middleware to add. */
      middleware: Middleware;
      /** The name of the middleware it goes just inside of (e.g. `'correlationId'`). */
      after: string;
      /** One anchor only. */
      before?: never;
      /** One anchor only. */
      replace?: never;
    }
  | {
      /** The middleware to add. */
      middleware: Middleware;
      /** The name of the standard middleware it takes the place of. */
      replace: string;
      /** One anchor only. */
      before?: never;
      /** One anchor only. */
      after?: never;
    };

/**
 * Per-phase deadlines in ms; `false` turns one phase off.
 *
 * @example
 * ```ts
 * const phases: TimeoutPhases = { attempt: 5_000, total: false }; // no overall deadline
 * const client = createClient({ baseUrl: 'https://api.example.com', timeout: phases });
 * ```
 */
export interface TimeoutPhases {
  /** Bounds one network attempt. */
  attempt?: number | false;
  /** Bounds the whole logical request: every attempt and every wait. */
  total?: number | false;
}

/**
 * Options of {@link createClient}. Every middleware option can be `false` to leave that
 * middleware out of the standard chain.
 *
 * @example
 * ```ts
 * const options: ClientOptions = {
 *   baseUrl: 'https://api.example.com/v1',
 *   headers: { 'user-agent': 'my-sdk/1.0' },
 *   timeout: { attempt: 5_000, total: 30_000 },
 *   concurrency: 8,
 * };
 * ```
 */
export interface ClientOptions {
  /**
   * Absolute http(s) base URL, without query, fragment or credentials (`user:pw@` is
   * refused: use `auth`). Relative inputs such as `'users/1'` are joined to it path-wise;
   * a query-only input (`'?page=2'`) goes onto it as is; `''` is the base URL itself.
   */
  baseUrl?: string | URL;
  /**
   * Client headers (dict, `Headers` or tuples); per-request headers win on the same name.
   * They go to EVERY origin the client calls (absolute URLs, pagination links to other
   * hosts): never put credentials here; use `auth` (`bearer()`, `apiKey()`...), which is scoped.
   */
  headers?: NonNullable<RequestInit['headers']>;
  /**
   * Client search parameters (dict, tuples with repeated keys, `URLSearchParams` or string).
   * A key given per request replaces all of the client's values for that key; the other
   * client keys stay. Like `headers`, they go to every origin: no credentials here.
   */
  searchParams?: SearchParamsOption;
  /**
   * Deadlines in ms. A number is the total deadline; `false` turns both off.
   * Default: `{ attempt: 30_000, total: 120_000 }`.
   */
  timeout?: number | false | TimeoutPhases;
  /** Correlation id options; `false` leaves the middleware out. */
  correlationId?: CorrelationIdOptions | false;
  /** The terminal fetch, e.g. one bound to an undici `Agent`. Default: `globalThis.fetch`, looked up per call. */
  fetch?: FetchLike | typeof globalThis.fetch;
  /** Extra middlewares: bare ones go at the inner end, placed ones next to their anchor. */
  middleware?: ReadonlyArray<Middleware | MiddlewarePlacement>;
  /** When `false`, a non-2xx response is returned as is instead of throwing an `HttpError`. Default `true`. */
  throwHttpErrors?: ThrowHttpErrors;
  /** Maps a failed response to your own error class (see the errors middleware). */
  mapError?: ErrorsOptions['map'];
  /** Secret header and query names, redacted in errors and events. */
  secrets?: readonly string[];
  /** Retry options; a number is ky's form, the retry limit (`0`: no retries); `false` leaves retry out. */
  retry?: number | Partial<RetryOptions> | false;
  /** The shared rate-limit gate (passed to retry). Pass one gate to several clients to share it. */
  gate?: RateGate | false;
  /** The retry budget (passed to retry). */
  retryBudget?: RetryBudget | RetryBudgetOptions | false;
  /** A concurrency limit (a number is `{ limit }`). Default: no limit. */
  concurrency?: number | ConcurrencyOptions | false;
  /** An auth middleware from `@sluice/auth` (`bearer`, `basic`, `apiKey`, `tokenAuth`). */
  auth?: AuthMiddleware | Middleware | false;
  /** Receives every pipeline event; adds the `observe` middleware. */
  onEvent?: (event: SluiceEvent) => void;
  /**
   * A ready stack that replaces the standard chain (e.g. `client.stack.remove('observe')`).
   * With it, the middleware-building options (timeout, correlationId, retry, gate,
   * retryBudget, concurrency, auth, onEvent, throwHttpErrors, mapError, secrets,
   * middleware) are ignored: the stack's middlewares are used as they are, state included.
   */
  stack?: Stack;
  /**
   * Other ky options (hooks, stringifyJson, ...) applied to every request. A key Sluice
   * owns (`retry`, `timeout`, `fetch`, `prefixUrl`...) or a typo of a ky key is refused;
   * `headers` and `searchParams` go here or at the top level, not both (docs/client-options.md).
   */
  ky?: KyCallOptions;
}
