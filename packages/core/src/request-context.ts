import type { Context, ContextState, EventInput, EventListener, RequestOptions, SluiceEvent } from './types/index.js';
import { createRedaction, RequestSecrets } from './secrets/index.js';

/*
 * Internal (not re-exported): the Context object compose makes for each request.
 */

/** Shared by every request until a middleware installs its own (redactions are never mutated). */
export const DEFAULT_REDACTION = /* @__PURE__ */ createRedaction();

/**
 * The per-request {@link Context}. Its methods live on the prototype and its listener
 * set and scrubber are made on first use, so a request nobody observes pays for one
 * object.
 */
export class RequestContext implements Context {
  signal: AbortSignal;
  readonly callerSignal: AbortSignal | undefined;
  attempt = 1;
  correlationId: string | undefined = undefined;
  readonly state = {} as ContextState;
  readonly method: string;
  readonly url: string;
  readonly startedAt = Date.now();
  redaction: Context['redaction'] = DEFAULT_REDACTION;
  /** True once someone subscribed: the terminal times attempts only then. */
  listening = false;
  readonly options: RequestOptions;
  readonly replayable: boolean;
  readonly #request: Request;
  #listeners: Set<EventListener> | undefined;
  #secrets: RequestSecrets | undefined;

  constructor(request: Request, options: RequestOptions, replayable: boolean, callerGaveSignal: boolean) {
    this.#request = request;
    this.options = options;
    this.replayable = replayable;
    this.signal = request.signal;
    this.callerSignal = callerGaveSignal ? request.signal : undefined;
    this.method = request.method;
    this.url = request.url;
  }

  emit(event: EventInput): void {
    const listeners = this.#listeners;
    if (!listeners || listeners.size === 0) return;
    const secrets = this.secrets;
    const full = {
      ...cleanEvent(event, secrets),
      method: this.method,
      url: secrets.requestUrl(),
      correlationId: this.correlationId,
      attempt: this.attempt,
      timestamp: Date.now(),
    } as SluiceEvent;
    for (const listener of listeners) {
      try {
        listener(full);
      } catch {
        // A throwing listener never breaks the request (observe reports its own errors).
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners ??= new Set();
    const listeners = this.#listeners;
    listeners.add(listener);
    this.listening = true;
    return () => listeners.delete(listener);
  }

  /**
   * This request's secrets (made on first use: by an event, an error path or compose
   * tagging the response), the one object its events and `secretsOf(response)` read.
   */
  get secrets(): RequestSecrets {
    this.#secrets ??= new RequestSecrets(this, this.#request);
    return this.#secrets;
  }
}

/**
 * An event's errors and texts without the request's secrets (URL userinfo, secret query
 * values, secret headers, `state.secrets`). Events without them are passed as they are;
 * the scrubber is built on first need only, for the redaction in force.
 */
function cleanEvent(event: EventInput, secrets: RequestSecrets): EventInput {
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(event)) {
    if (key === 'type' || (typeof value !== 'string' && !(value instanceof Error) && !(key === 'error' && value !== undefined))) continue;
    const clean = secrets.error(value);
    if (clean !== value) {
      out ??= { ...event };
      out[key] = clean;
    }
  }
  return (out ?? event) as EventInput;
}
