// The contract every middleware is written against. This folder imports nothing: the
// middlewares import it, and add their own per-request options and state by declaration
// merging (see middleware/retry-request-option.ts and @sluice/auth).
import type { Redaction } from './redaction.js';
import type { TimeoutValue } from './timeout.js';
import type { AttemptAdmission } from './admission.js';
import type { EventInput, EventListener } from './events.js';

/*
 * The core middlewares' own per-request options and events are declared here rather
 * than by `declare module '../context.js'` in their files: a relative augmentation
 * does not survive bundling into one .d.ts. Other packages augment '@sluice/core'.
 */

/**
 * The middleware contract: `Middleware`, `Next`, the per-request `Context`, the typed
 * per-request `RequestOptions` and the typed `SluiceEvents` map.
 *
 * Packages and users extend `RequestOptions`, `ContextState` and `SluiceEvents` by
 * declaration merging:
 *
 * ```ts
 * declare module '@sluice/core' {
 *   interface RequestOptions { myFlag?: boolean }
 *   interface ContextState { myCounter?: number }
 *   interface SluiceEvents { 'my-event': { detail: string } }
 * }
 * ```
 */

/**
 * Calls the rest of the chain. It may be called more than once (retry, 401 replay); each
 * call must get a fresh request, made with {@link cloneForReplay}.
 *
 * @example
 * ```ts
 * const passThrough: Middleware = { name: 'pass', handle: (request, _context, next) => next(request) };
 * ```
 */
export type Next = (request: Request) => Promise<Response>;

/**
 * One step of a pipeline. `name` is unique within a stack.
 *
 * @example
 * ```ts
 * const userAgent: Middleware = {
 *   name: 'userAgent',
 *   handle(request, _context, next) {
 *     request.headers.set('user-agent', 'my-sdk/1.0');
 *     return next(request);
 *   },
 * };
 * ```
 */
export interface Middleware {
  /** The middleware's name, unique within a stack: the anchor of `before`/`after`/`replace`/`remove` and of `skip`. */
  readonly name: string;
  /**
   * Handles one request: change it, call `next` (zero, one or more times, each with a fresh
   * request) and return or change the response. Whatever it acquires it releases in `finally`.
   */
  handle(request: Request, context: Context, next: Next): Promise<Response>;
}

/**
 * Per-request options, read from the `init` of a pipeline call (and forwarded by ky from
 * its options). Middlewares add their own keys by declaration merging.
 *
 * @example
 * ```ts
 * await pipeline('https://api.example.com/users', { skip: ['retry'] });
 * ```
 */
export interface RequestOptions {
  /** Names of middlewares to bypass for this request. An unknown name is a `TypeError`. */
  skip?: readonly string[];
  /**
   * Builds a fresh body for every replay of a request whose body is a stream. Without
   * it, a streamed body is sent once and never replayed.
   */
  bodyFactory?: () => NonNullable<RequestInit['body']> | Promise<NonNullable<RequestInit['body']>>;
  /** The correlation id for this request; wins over the correlationId middleware's own choice. */
  correlationId?: string;
  /**
   * An operation scope: requests that carry the same scope object share one correlation
   * id, the one the correlationId middleware makes (with its prefix) for the first of
   * them. `withOperation` and `paginate` pass it; a string key, so ky forwards it.
   */
  correlationScope?: CorrelationScope;
  /**
   * `false` returns a non-2xx response as it is instead of throwing an `HttpError`; a
   * function decides per status, as in ky: `(status) => status !== 404`.
   */
  throwHttpErrors?: ThrowHttpErrors;
  /**
   * Overrides the timeout middlewares for this request. A number is the `total`
   * deadline; `false` turns both phases off; an object sets each phase.
   */
  timeout?:
    | TimeoutValue
    | {
        /** The deadline of one network attempt. */
        attempt?: TimeoutValue;
        /** The deadline across all attempts and waits. */
        total?: TimeoutValue;
      };
}

/**
 * The shared state of an operation scope: the id, once the first request set it.
 *
 * @example
 * ```ts
 * const scope: CorrelationScope = { id: undefined };
 * await pipeline(url1, { correlationScope: scope });
 * await pipeline(url2, { correlationScope: scope }); // same id as the first
 * ```
 */
export interface CorrelationScope {
  /** The scope's correlation id: `undefined` until the first request of the scope gets one. */
  id: string | undefined;
}

/**
 * Typed per-request scratch space that middlewares extend by declaration merging.
 *
 * @example
 * ```ts
 * declare module '@sluice/core' { interface ContextState { cacheHit?: boolean } }
 * ```
 */
export interface ContextState {
  /**
   * Secret values attached to this request by a middleware (auth adds the credentials it
   * sets). The errors middleware and observers redact them wherever they appear.
   */
  secrets?: Set<string>;
  /**
   * Why the retry middleware stopped retrying, when it stopped early (budget empty,
   * deadline, body not replayable...). The errors middleware appends it to the message.
   */
  retryStopped?: string;
  /**
   * The rate-limit admission of the current attempt, set by the retry middleware: the
   * attempt passes it right before the wire, after any concurrency queue.
   */
  admission?: AttemptAdmission;
  /** Where the request is held right now, if it is: in the concurrency queue or at the rate-limit gate. */
  waitingAt?: 'queue' | 'gate';
  /** The total deadline of the request (`at` in epoch ms, of `totalMs`), when a total timeout is set. */
  deadline?: {
    /** When the total deadline passes, in epoch milliseconds. */
    at: number;
    /** The total timeout it came from, in milliseconds. */
    totalMs: number;
    /**
     * The error for an attempt found past the deadline right before the wire, which compose
     * then never sends (the timeout middleware's is a `TimeoutError`, phase `total`). The
     * deadline brings it, so that a pipeline without a timeout does not carry the error code.
     */
    unsent(context: Context): Error;
  };
}

/**
 * One object per logical request, shared by every middleware and every attempt.
 *
 * @example
 * ```ts
 * const logAttempts: Middleware = {
 *   name: 'logAttempts',
 *   async handle(request, context, next) {
 *     const response = await next(request);
 *     console.log(context.correlationId, context.attempt, response.status);
 *     return response;
 *   },
 * };
 * ```
 */
export interface Context {
  /**
   * The effective abort signal: the caller's, combined with deadlines that outer
   * middlewares added. A middleware that narrows it restores it in `finally`.
   */
  signal: AbortSignal;
  /** The caller's own signal, untouched (`undefined` when the caller gave none): tells a caller abort from a deadline. */
  readonly callerSignal: AbortSignal | undefined;
  /** 1-based number of the current network attempt; the retry middleware advances it. */
  attempt: number;
  /** The correlation id of this logical request, once the correlationId middleware set it. */
  correlationId: string | undefined;
  /** Per-request options from `init`. */
  readonly options: RequestOptions;
  /** Typed per-request state that middlewares extend by declaration merging. */
  readonly state: ContextState;
  /** `false` when the body is a stream with no `bodyFactory`: it can be sent only once. */
  readonly replayable: boolean;
  /** HTTP method of the logical request. */
  readonly method: string;
  /** URL of the logical request as first sent (unredacted; never log it as is). */
  readonly url: string;
  /** `Date.now()` when the logical request started. */
  readonly startedAt: number;
  /** Emits an event to every listener subscribed on this context. */
  emit(event: EventInput): void;
  /**
   * Subscribes to this request's events; returns the unsubscribe function. A listener
   * that throws is isolated: its error is ignored and the request goes on.
   */
  subscribe(listener: EventListener): () => void;
  /**
   * Redacts secrets from URLs and headers. The default hides the standard secret
   * headers and query parameters; the errors middleware installs the user's list.
   */
  redaction: Redaction;
}

/**
 * Whether a non-2xx response is thrown as an `HttpError`: a boolean, or a function of the
 * status that returns `true` to throw (ky's form).
 *
 * @example
 * ```ts
 * const exceptMissing: ThrowHttpErrors = (status) => status !== 404;
 * ```
 */
export type ThrowHttpErrors = boolean | ((status: number) => boolean);
