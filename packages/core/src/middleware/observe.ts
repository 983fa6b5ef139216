import type { EventListener, Middleware, SluiceEvent } from '../types/index.js';
import { checkKeys, type OptionKeys } from '../check.js';

/**
 * Options of {@link observe}.
 *
 * @example
 * ```ts
 * const options: ObserveOptions = { onEvent: (event) => console.log(event.type, event.correlationId) };
 * ```
 */
export interface ObserveOptions {
  /** Receives every event of every request: `request`, `attempt`, `retry`…, then `response` or `error`. */
  onEvent: EventListener;
  /**
   * Called when `onEvent` throws. A throwing listener never breaks a request; by default
   * its error is reported with `console.error`.
   */
  onListenerError?: (error: unknown, event: SluiceEvent) => void;
}

/**
 * What {@link timingOf} tells about a response.
 *
 * @example
 * ```ts
 * const timing: Timing | undefined = timingOf(response);
 * ```
 */
export interface Timing {
  /** Milliseconds from the start of the logical request until the response headers arrived. */
  durationMs: number;
  /** How many network attempts it took. */
  attempts: number;
  /** The correlation id of the request, when the correlationId middleware ran. */
  correlationId: string | undefined;
}

const timings = new WeakMap<Response, Timing>();

/**
 * Reports the events of each logical request to `onEvent`: `request` when it starts,
 * `attempt` after each network attempt (emitted by the pipeline's terminal), events of
 * other middlewares (such as `retry`), then exactly one of `response` or `error`, both
 * with `durationMs`. Every event carries the method, redacted URL, correlation id and
 * attempt number. An event's `error` (and its `cause` chain) is a copy without the
 * request's secrets: secret query values, URL passwords, secret headers and the values in
 * `context.state.secrets`; an error holding none is passed as it is. A listener that throws is reported to `onListenerError` (default:
 * `console.error`) and never breaks the request.
 *
 * @example
 * ```ts
 * const pipeline = compose([
 *   correlationId(),
 *   observe({ onEvent: (event) => console.log(event.type, event.correlationId, event.attempt) }),
 * ]);
 * await pipeline('https://api.example.com/users');
 * ```
 */
export function observe(options: ObserveOptions): Middleware {
  if (typeof options?.onEvent !== 'function') {
    throw new TypeError(`observe(): "onEvent" must be a function, got ${typeof options?.onEvent}.`);
  }
  checkKeys('observe()', options, OBSERVE_KEYS);
  if (options.onListenerError !== undefined && typeof options.onListenerError !== 'function') {
    throw new TypeError(`observe(): "onListenerError" must be a function, got ${typeof options.onListenerError}.`);
  }
  const { onEvent } = options;
  const report = options.onListenerError ?? defaultReport;
  const listener: EventListener = (event) => {
    try {
      onEvent(event);
    } catch (error) {
      try {
        report(error, event);
      } catch {
        // A failing reporter is ignored too: observing never breaks a request.
      }
    }
  };

  return {
    name: 'observe',
    async handle(request, context, next) {
      const unsubscribe = context.subscribe(listener);
      const started = performance.now();
      try {
        context.emit({ type: 'request' });
        let response: Response;
        try {
          response = await next(request);
        } catch (error) {
          context.emit({ type: 'error', error, durationMs: performance.now() - started });
          throw error;
        }
        const durationMs = performance.now() - started;
        timings.set(response, { durationMs, attempts: context.attempt, correlationId: context.correlationId });
        context.emit({ type: 'response', status: response.status, durationMs });
        return response;
      } finally {
        unsubscribe();
      }
    },
  };
}

/**
 * The timing of a response that went through {@link observe}: how long the logical
 * request took until its headers arrived, in how many attempts, under which correlation
 * id. `undefined` for a response that did not pass through `observe` (or that a wrapper
 * such as ky re-created).
 *
 * @example
 * ```ts
 * const response = await pipeline('https://api.example.com/users');
 * console.log(`took ${timingOf(response)?.durationMs} ms`);
 * ```
 */
export function timingOf(response: Response): Timing | undefined {
  return timings.get(response);
}

function defaultReport(error: unknown, event: SluiceEvent): void {
  console.error(`sluice observe: onEvent threw while handling a "${event.type}" event; the request goes on.`, error);
}

/** Every key of {@link ObserveOptions}. */
const OBSERVE_KEYS: OptionKeys<ObserveOptions> = { onEvent: true, onListenerError: true };
