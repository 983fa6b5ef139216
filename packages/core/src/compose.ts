import type {
  Context,
  ContextState,
  EventInput,
  EventListener,
  FetchLike,
  Middleware,
  MiddlewareList,
  Next,
  RequestOptions,
  SluiceEvent,
  SluiceFetch,
  SluiceRequestInit,
} from './types/index.js';
import { createRedaction, redactUrlInError } from './redact.js';
import { createScrub, type Scrub, scrubError, secretHeaders } from './scrub.js';
import { passAdmission, pastDeadline, unsentTimeout } from './rate-limit/admission.js';
import { tagResponse } from './response-secrets.js';




/**
 * Options of {@link compose}.
 *
 * @example
 * ```ts
 * compose([], { fetch: (request) => fetch(request) });
 * ```
 */
export interface ComposeOptions {
  /**
   * The terminal fetch. When absent, `globalThis.fetch` is looked up on every call
   * (never captured), so test interceptors installed later still apply.
   */
  fetch?: FetchLike;
}

const SLUICE_INIT_KEYS = new Set<string>(['skip', 'bodyFactory']);
const NO_SKIP: ReadonlySet<string> = new Set<string>();
/** Shared by every request until a middleware installs its own (redactions are never mutated). */
const DEFAULT_REDACTION = createRedaction();

export type { FetchLike, MiddlewareList, SluiceFetch, SluiceRequestInit };

/**
 * Turns middlewares (outermost first) into one fetch-compatible function.
 *
 * @example
 * ```ts
 * const pipeline = compose([errors(), correlationId(), timeout({ total: 10_000 })]);
 * const users = await (await pipeline('https://api.example.com/users')).json();
 * ```
 */
export function compose(middlewares: readonly Middleware[] | MiddlewareList, options: ComposeOptions = {}): SluiceFetch {
  const list: readonly Middleware[] = Array.isArray(middlewares) ? middlewares : (middlewares as MiddlewareList).middlewares;
  assertUniqueNames(list);
  const names = new Set(list.map((m) => m.name));
  const terminalFetch = options.fetch;

  return async function sluiceFetch(input, init) {
    const requestOptions: RequestOptions = init ?? {};
    if (requestOptions.skip !== undefined && !Array.isArray(requestOptions.skip)) {
      throw new TypeError(`The "skip" request option must be an array of middleware names, got ${typeof requestOptions.skip}.`);
    }
    const skip = requestOptions.skip === undefined || requestOptions.skip.length === 0 ? NO_SKIP : new Set(requestOptions.skip);
    for (const name of skip) {
      if (!names.has(name)) {
        throw new TypeError(
          `Cannot skip middleware "${name}": the stack has no middleware of that name (it has: ${[...names].join(', ') || 'none'}).`,
        );
      }
    }
    let request: Request;
    try {
      request = buildRequest(input, init);
    } catch (error) {
      // `new Request` quotes the URL in its message, credentials included: redact it.
      throw redactUrlInError(error, input instanceof Request ? input.url : String(input), DEFAULT_REDACTION);
    }
    const replayable = !(isStream(init?.body) && !requestOptions.bodyFactory);
    // With no caller signal the request's own signal can never abort: say so with `callerSignal: undefined`.
    const callerGaveSignal = input instanceof Request ? init?.signal !== null : init?.signal !== undefined && init.signal !== null;
    const context = createContext(request, requestOptions, replayable, callerGaveSignal);

    const dispatch = (index: number, current: Request): Promise<Response> => {
      let i = index;
      while (i < list.length && skip.has((list[i] as Middleware).name)) i++;
      const middleware = list[i];
      if (!middleware) return terminal(current, context, terminalFetch);
      const next: Next = (nextRequest) => dispatch(i + 1, nextRequest);
      try {
        return middleware.handle(current, context, next);
      } catch (error) {
        // A handle that throws synchronously still gives its caller a rejected promise.
        return Promise.reject(error);
      }
    };
    return dispatch(0, request).then((response) => tagResponse(response, context, request));
  };
}

/** Calls the network once and emits the `attempt` event for it. */
async function terminal(request: Request, context: Context, injected: FetchLike | undefined): Promise<Response> {
  const admission = context.state.admission;
  if (admission && !admission.passed) await passAdmission(context); // the gate, when nothing closer to the wire passed it
  if (pastDeadline(context)) throw unsentTimeout(context); // never send a request past its own deadline
  const signal = context.signal;
  const fetchImpl: FetchLike = injected ?? ((r, o) => globalThis.fetch(r, o));
  const started = performance.now();
  try {
    const response = await (signal === request.signal ? fetchImpl(request) : fetchImpl(request, { signal }));
    context.emit({ type: 'attempt', status: response.status, durationMs: performance.now() - started });
    return response;
  } catch (error) {
    context.emit({ type: 'attempt', error, durationMs: performance.now() - started });
    throw error;
  }
}

function buildRequest(input: RequestInfo | URL, init: SluiceRequestInit | undefined): Request {
  // Always a fresh Request: middlewares set headers on it (correlation id, Idempotency-Key,
  // credentials), and a caller's Request object that is sent twice must not keep them.
  if (!init) return new Request(input);
  const standard: RequestInit & { duplex?: 'half' } = {};
  for (const [key, value] of Object.entries(init)) {
    if (!SLUICE_INIT_KEYS.has(key) && value !== undefined) (standard as Record<string, unknown>)[key] = value;
  }
  if (isStream(init.body)) standard.duplex = 'half';
  return new Request(input, standard);
}

function isStream(body: unknown): body is ReadableStream {
  return typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;
}

function createContext(request: Request, options: RequestOptions, replayable: boolean, callerGaveSignal: boolean): Context {
  const listeners = new Set<EventListener>();
  let redactedBy: Context['redaction'] | undefined;
  let redactedUrl = '';
  let scrubBy: Context['redaction'] | undefined;
  let scrub: Scrub | undefined;
  /**
   * An event's errors and texts without the request's secrets (URL userinfo, secret query
   * values, secret headers, `state.secrets`). Events without them are passed as they are;
   * the scrubber is built on first need only, for the redaction in force.
   */
  const cleanEvent = (event: EventInput): EventInput => {
    let out: Record<string, unknown> | undefined;
    for (const [key, value] of Object.entries(event)) {
      if (key === 'type' || (typeof value !== 'string' && !(value instanceof Error) && !(key === 'error' && value !== undefined))) continue;
      if (!scrub || scrubBy !== context.redaction) {
        const redaction = context.redaction;
        scrubBy = redaction;
        scrub = createScrub(redaction, {
          url: context.url,
          headers: () => secretHeaders(request.headers, redaction),
          secrets: () => context.state.secrets,
        });
      }
      const clean = scrubError(value, scrub);
      if (clean !== value) {
        out ??= { ...event };
        out[key] = clean;
      }
    }
    return (out ?? event) as EventInput;
  };
  const context: Context = {
    signal: request.signal,
    callerSignal: callerGaveSignal ? request.signal : undefined,
    attempt: 1,
    correlationId: undefined,
    options,
    state: {} as ContextState,
    replayable,
    method: request.method,
    url: request.url,
    startedAt: Date.now(),
    redaction: DEFAULT_REDACTION,
    emit(event: EventInput) {
      if (listeners.size === 0) return;
      // The redacted URL is computed once per redaction in force (auth may install a wider one).
      if (redactedBy !== context.redaction) {
        redactedBy = context.redaction;
        redactedUrl = redactedBy.url(context.url);
      }
      const full = {
        ...cleanEvent(event),
        method: context.method,
        url: redactedUrl,
        correlationId: context.correlationId,
        attempt: context.attempt,
        timestamp: Date.now(),
      } as SluiceEvent;
      for (const listener of listeners) {
        try {
          listener(full);
        } catch {
          // A throwing listener never breaks the request (observe reports its own errors).
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return context;
}

/**
 * Throws a `TypeError` naming both sides when two middlewares share a name.
 * Shared by `compose` and `Stack`; not re-exported from the package index.
 *
 * @internal
 */
export function assertUniqueNames(list: readonly Middleware[]): void {
  const seen = new Map<string, number>();
  list.forEach((middleware, index) => {
    if (typeof middleware?.handle !== 'function' || typeof middleware.name !== 'string' || !middleware.name) {
      throw new TypeError(`Middleware at position ${index} is not a middleware: it needs a non-empty "name" and a "handle" function.`);
    }
    const previous = seen.get(middleware.name);
    if (previous !== undefined) {
      throw new TypeError(
        `Duplicate middleware name "${middleware.name}": position ${index} clashes with position ${previous}. Use .replace("${middleware.name}", …) or give one a different name.`,
      );
    }
    seen.set(middleware.name, index);
  });
}
