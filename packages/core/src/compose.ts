import type { FetchLike, Middleware, MiddlewareList, RequestOptions, SluiceFetch, SluiceRequestInit } from './types/index.js';
import { DEFAULT_REDACTION, RequestContext } from './request-context.js';
import { passAdmission } from './rate-limit/admission.js';
import { redactUrlInError, tagResponse } from './secrets/index.js';
import { adopt, buildRequest, isStream } from './build-request.js';

export { freshRequest } from './build-request.js';

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

const NO_SKIP: ReadonlySet<string> = new Set<string>();

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
  const terminalFetch = options.fetch ?? globalFetch;
  const chain = new Chain(list, terminalFetch);

  const start = (input: RequestInfo | URL, init: SluiceRequestInit | undefined): Promise<Response> => {
    const requestOptions: RequestOptions = init ?? {};
    const skip = requestOptions.skip === undefined ? NO_SKIP : skipSet(requestOptions.skip, names);
    let request: Request;
    try {
      request = adopt(input, init) ?? buildRequest(input, init);
    } catch (error) {
      // `new Request` quotes the URL in its message, credentials included: redact it.
      return Promise.reject(redactUrlInError(error, input instanceof Request ? input.url : String(input), DEFAULT_REDACTION));
    }
    const factory = requestOptions.bodyFactory;
    if (factory !== undefined && typeof factory !== 'function') {
      throw new TypeError(`The "bodyFactory" request option must be a function that returns a fresh body, got ${typeof factory}.`);
    }
    const replayable = !(isStream(init?.body) && !factory);
    // With no caller signal the request's own signal can never abort: say so with `callerSignal: undefined`.
    const callerGaveSignal = input instanceof Request ? init?.signal !== null : init?.signal !== undefined && init.signal !== null;
    const context = new RequestContext(request, requestOptions, replayable, callerGaveSignal);
    return chain.dispatch(0, request, context, skip).then((response) => tagResponse(response, context.secrets));
  };
  return function sluiceFetch(input, init) {
    try {
      return start(input, init);
    } catch (error) {
      // Bad options reject, like every other failure of a fetch.
      return Promise.reject(error);
    }
  };
}

/** The terminal when none is injected: `globalThis.fetch`, looked up on every call (never captured). */
function globalFetch(request: Request, init?: RequestInit): Promise<Response> {
  return globalThis.fetch(request, init);
}

function skipSet(skip: unknown, names: ReadonlySet<string>): ReadonlySet<string> {
  if (!Array.isArray(skip)) {
    throw new TypeError(`The "skip" request option must be an array of middleware names, got ${typeof skip}.`);
  }
  if (skip.length === 0) return NO_SKIP;
  const set = new Set<string>(skip);
  for (const name of set) {
    if (!names.has(name)) {
      throw new TypeError(
        `Cannot skip middleware "${name}": the stack has no middleware of that name (it has: ${[...names].join(', ') || 'none'}).`,
      );
    }
  }
  return set;
}

/**
 * The middlewares of one pipeline and its terminal, shared by every request: a request
 * allocates only its context and one `next` function per middleware it passes.
 */
class Chain {
  constructor(
    private readonly list: readonly Middleware[],
    private readonly terminalFetch: FetchLike,
  ) {}

  dispatch(index: number, request: Request, context: RequestContext, skip: ReadonlySet<string>): Promise<Response> {
    const list = this.list;
    let i = index;
    if (skip !== NO_SKIP) while (i < list.length && skip.has((list[i] as Middleware).name)) i++;
    const middleware = list[i];
    if (!middleware) return terminal(request, context, this.terminalFetch);
    const after = i + 1;
    try {
      // An inline arrow, not a named one: builds that keep function names would name it on every call.
      return middleware.handle(request, context, (nextRequest) => this.dispatch(after, nextRequest, context, skip));
    } catch (error) {
      // A handle that throws synchronously still gives its caller a rejected promise.
      return Promise.reject(error);
    }
  }
}

/**
 * Calls the network once. The common case (no admission left to pass, nobody listening)
 * is a plain call; otherwise {@link observedTerminal}.
 */
function terminal(request: Request, context: RequestContext, fetchImpl: FetchLike): Promise<Response> {
  const admission = context.state.admission;
  if ((admission && !admission.passed && !admission.passNow?.()) || context.listening) return observedTerminal(request, context, fetchImpl);
  const unsent = unsentPastDeadline(context);
  if (unsent) return Promise.reject(unsent); // never send a request past its own deadline
  const signal = context.signal;
  try {
    return signal === request.signal ? fetchImpl(request) : fetchImpl(request, { signal });
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The terminal that passes the gate when nothing closer to the wire did, and emits the `attempt` event. */
async function observedTerminal(request: Request, context: RequestContext, fetchImpl: FetchLike): Promise<Response> {
  const admission = context.state.admission;
  if (admission && !admission.passed) await passAdmission(context); // the gate, when nothing closer to the wire passed it
  const unsent = unsentPastDeadline(context);
  if (unsent) throw unsent; // never send a request past its own deadline
  const signal = context.signal;
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

/**
 * The error to settle with instead of sending, when the request's total deadline has
 * passed: the deadline brings its own (the timeout middleware sets it), so compose alone
 * carries no timeout error code.
 */
function unsentPastDeadline(context: RequestContext): Error | undefined {
  const deadline = context.state.deadline;
  return deadline !== undefined && Date.now() >= deadline.at ? deadline.unsent(context) : undefined;
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
