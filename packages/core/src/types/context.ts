// The contract every middleware is written against. This folder imports nothing: the
// middlewares import it, and add their own per-request options and state by declaration
// merging (see middleware/retry-request-option.ts and @sluice/auth).
import type { Redaction } from './redaction.js';
import type { TimeoutValue } from './timeout.js';

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
  };
}

/**
 * The gate an attempt must pass before it goes on the wire (see `createRateGate`). The
 * concurrency middleware passes it after the slot queue, giving the slot back while the
 * origin is closed; without one, the attempt timeout (or the terminal fetch) passes it.
 *
 * @example
 * ```ts
 * const onlyWhenOpen = async (admission: AttemptAdmission, signal: AbortSignal) => {
 *   while (!admission.passed) {
 *     const epoch = await admission.wait(signal);
 *     if (admission.stillValid(epoch) && admission.pass()) return;
 *   }
 * };
 * ```
 */
export interface AttemptAdmission {
  /** `true` once the attempt has been admitted and may go on the wire. */
  readonly passed: boolean;
  /** Waits until the origin admits the attempt (open, paced), holding nothing; resolves with the origin's epoch then. */
  wait(signal: AbortSignal): Promise<number>;
  /** Whether an admission granted at `epoch` still holds now (the origin has not closed or been throttled since). */
  stillValid(epoch: number): boolean;
  /**
   * The last look, right before the wire: counts the attempt against the origin's
   * announced quota and marks it as sent; `false` when the origin has no room right now
   * (the attempt gives back what it holds and waits again).
   */
  pass(): boolean;
  /**
   * Feeds the attempt's response (`undefined`: no response) to the gate, once. The
   * concurrency middleware calls it before it frees the slot, so that the next waiter is
   * admitted by a gate that already knows (a 429 closed it, a quota ran out).
   */
  settle(response: Response | undefined): void;
}


/**
 * The events a pipeline emits, by type. Middlewares add their own by declaration
 * merging; every event also carries the fields of {@link EventBase}.
 *
 * @example
 * ```ts
 * const onEvent = (event: SluiceEvent) => {
 *   if (event.type === 'attempt') console.log(event.attempt);
 * };
 * ```
 */
export interface SluiceEvents {
  /** A logical request starts. */
  request: Record<never, never>;
  /** A logical request ends with a response. */
  response: {
    /** The response's HTTP status. */
    status: number;
    /** Milliseconds from the start of the logical request. */
    durationMs: number;
  };
  /** A logical request ends with an error. */
  error: {
    /** The error the logical request ended with (already mapped by the errors middleware when it runs). */
    error: unknown;
    /** Milliseconds from the start of the logical request. */
    durationMs: number;
  };
  /** One network attempt ends (with a status, or an error). */
  attempt: {
    /** The attempt's HTTP status, when it got a response. */
    status?: number;
    /** The attempt's error, when it got none. */
    error?: unknown;
    /** Milliseconds the attempt took. */
    durationMs: number;
  };
  /** The retry middleware will send the request again after `delayMs` (`attempt` is the attempt that failed). */
  retry: {
    /** Why the request is sent again, e.g. `'status 503'`. */
    reason: string;
    /** How long the retry middleware waits before the next attempt, in milliseconds. */
    delayMs: number;
  };
  /** An attempt was held `waitedMs` at a rate-limit gate (the client's, or a rateLimit's, under `key`) before it could be sent. */
  gateHold: {
    /** The gate's key: the origin for the client's gate, the rateLimit key for a rateLimit. */
    key: string;
    /** How long the attempt waited, in milliseconds. */
    waitedMs: number;
  };
  /** A circuit breaker's circuit for `key` (by default an origin) changed state. */
  circuit: {
    /** The circuit's key (by default the origin). */
    key: string;
    /** The state it left. */
    from: CircuitState;
    /** The state it entered. */
    to: CircuitState;
  };
}

/**
 * The state of one circuit of the circuitBreaker middleware.
 *
 * @example
 * ```ts
 * const onEvent = (event: SluiceEvent) => {
 *   if (event.type === 'circuit' && event.to === 'open') alert(`${event.key} is failing`);
 * };
 * ```
 */
export type CircuitState = 'closed' | 'open' | 'halfOpen';

/**
 * Fields present on every event.
 *
 * @example
 * ```ts
 * const describe = (event: EventBase) => `${event.method} ${event.url} #${event.attempt} [${event.correlationId}]`;
 * ```
 */
export interface EventBase {
  /** HTTP method of the logical request. */
  method: string;
  /** The request URL with secrets redacted. */
  url: string;
  /** The correlation id, when the correlationId middleware runs. */
  correlationId: string | undefined;
  /** The attempt number (1-based) when the event was emitted. */
  attempt: number;
  /** `Date.now()` at emission. */
  timestamp: number;
}

/**
 * A typed event: `{ type, ...payload, ...EventBase }`.
 *
 * @example
 * ```ts
 * function log(event: SluiceEvent) { console.log(event.type, event.correlationId); }
 * ```
 */
export type SluiceEvent = {
  [K in keyof SluiceEvents]: {
    /** The event type: a key of {@link SluiceEvents}. */
    type: K;
  } & SluiceEvents[K] &
    EventBase;
}[keyof SluiceEvents];

/**
 * The payload of one event type, without the base fields (which `emit` fills in).
 *
 * @example
 * ```ts
 * const input: EventInput = { type: 'retry', reason: 'status 503', delayMs: 200 };
 * context.emit(input);
 * ```
 */
export type EventInput = {
  [K in keyof SluiceEvents]: {
    /** The event type: a key of {@link SluiceEvents}. */
    type: K;
  } & SluiceEvents[K];
}[keyof SluiceEvents];

/**
 * A listener for pipeline events.
 *
 * @example
 * ```ts
 * const listener: EventListener = (event) => {
 *   if (event.type === 'error') console.error(event.url, event.error);
 * };
 * const unsubscribe = context.subscribe(listener);
 * ```
 */
export type EventListener = (event: SluiceEvent) => void;

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
