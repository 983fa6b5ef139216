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
