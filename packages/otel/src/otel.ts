import {
  type Attributes,
  context as otelContext,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { type Context, HttpError, type Middleware, type SluiceEvent, SluiceError } from '@sluice/core';

/**
 * Options of {@link otel}.
 *
 * @example
 * ```ts
 * const options: OtelOptions = { tracerProvider: provider, spanName: (request) => `${request.method} /users/{id}` };
 * ```
 */
export interface OtelOptions {
  /** Where the tracer comes from. Default: the global tracer provider (`trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider;
  /** The span name. Default: the HTTP method, as the HTTP client semantic conventions say when no URL template is known. */
  spanName?: (request: Request) => string;
  /** `false` does not inject `traceparent` (and the other headers of the active propagator). Default `true`. */
  propagate?: boolean;
}

/** The instrumentation scope name of the tracer. */
const SCOPE = '@sluice/otel';
/** The methods the semantic conventions know; any other is reported as `_OTHER`. */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY']);
/** Events that open or close the span itself, not recorded as span events. */
const SPAN_EDGES = new Set(['request', 'response', 'error']);
/** Base fields every Sluice event carries; the span already has them. */
const BASE_FIELDS = new Set(['type', 'method', 'url', 'correlationId', 'timestamp']);

const headerSetter = { set: (carrier: Headers, key: string, value: string) => carrier.set(key, value) };

/**
 * One OpenTelemetry client span per logical request, with the HTTP client semantic
 * conventions: `http.request.method`, `url.full` (redacted), `server.address`,
 * `server.port`, `http.response.status_code`, `http.request.resend_count` and `error.type`,
 * plus `sluice.correlation_id`. Every pipeline event inside it becomes a span event: each
 * attempt (`sluice.attempt`), each retry and its wait (`sluice.retry`, `delayMs`), circuit
 * and cache events, and the scheduler's and auth's events as they are emitted. The active
 * propagator injects `traceparent` into the request, so every attempt carries the span.
 *
 * Place it outermost (`{ middleware: otel(), before: 'errors' }`): one span then covers
 * every attempt and wait, and the error it records is the typed, redacted one.
 *
 * @example
 * ```ts
 * import { createClient } from 'sluice';
 * import { otel } from '@sluice/otel';
 *
 * const client = createClient({ baseUrl: 'https://api.example.com', middleware: [{ middleware: otel(), before: 'errors' }] });
 * await client.get('users/1').json(); // a span "GET" with url.full, status and resend count
 * ```
 */
export function otel(options: OtelOptions = {}): Middleware {
  if (options === null || typeof options !== 'object') throw new TypeError(`otel(): expected an options object, got ${String(options)}.`);
  if (options.spanName !== undefined && typeof options.spanName !== 'function') {
    throw new TypeError(`otel(): "spanName" must be a function (request) => string, got ${typeof options.spanName}.`);
  }
  if (options.tracerProvider !== undefined && typeof options.tracerProvider?.getTracer !== 'function') {
    throw new TypeError('otel(): "tracerProvider" must be an OpenTelemetry TracerProvider (with getTracer).');
  }
  const tracerOf = (): Tracer => (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
  const spanName = options.spanName ?? ((request: Request) => methodOf(request.method).method);
  const propagate = options.propagate !== false;

  return {
    name: 'otel',
    async handle(request, context, next) {
      const parent = otelContext.active();
      const span = tracerOf().startSpan(spanName(request), { kind: SpanKind.CLIENT, attributes: startAttributes(request, context) }, parent);
      const active = trace.setSpan(parent, span);
      if (propagate) propagation.inject(active, request.headers, headerSetter);
      const unsubscribe = context.subscribe((event) => recordEvent(span, event));
      try {
        const response = await otelContext.with(active, () => next(request));
        finish(span, context, response.status, undefined);
        return response;
      } catch (error) {
        finish(span, context, error instanceof HttpError ? error.status : undefined, error);
        throw error;
      } finally {
        unsubscribe();
        span.end();
      }
    },
  };
}

function startAttributes(request: Request, context: Context): Attributes {
  const url = new URL(request.url);
  const { method, original } = methodOf(request.method);
  const attributes: Attributes = {
    'http.request.method': method,
    'url.full': context.redaction.url(request.url),
    'server.address': url.hostname,
    'server.port': url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
  };
  if (original !== undefined) attributes['http.request.method_original'] = original;
  return attributes;
}

function methodOf(raw: string): { method: string; original?: string } {
  const upper = raw.toUpperCase();
  return KNOWN_METHODS.has(upper) ? { method: upper } : { method: '_OTHER', original: raw };
}

/** Status, resend count, correlation id, and the error type and status for a failure. */
function finish(span: Span, context: Context, status: number | undefined, error: unknown): void {
  if (status !== undefined) span.setAttribute('http.response.status_code', status);
  if (context.attempt > 1) span.setAttribute('http.request.resend_count', context.attempt - 1);
  if (context.correlationId) span.setAttribute('sluice.correlation_id', context.correlationId);
  const errorType = error !== undefined ? errorTypeOf(error) : status !== undefined && status >= 400 ? String(status) : undefined;
  if (errorType === undefined) return;
  span.setAttribute('error.type', errorType);
  // The message of a Sluice error is already redacted; anything else is named, never quoted.
  const message = error instanceof SluiceError ? error.message : errorType;
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

function errorTypeOf(error: unknown): string {
  if (error instanceof HttpError) return String(error.status);
  if (error instanceof Error) return error.name || error.constructor.name || 'Error';
  return '_OTHER';
}

/** Every event but the span's own edges, with its primitive fields as attributes. */
function recordEvent(span: Span, event: SluiceEvent): void {
  if (SPAN_EDGES.has(event.type)) return;
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(event)) {
    if (BASE_FIELDS.has(key)) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') attributes[`sluice.${key}`] = value;
    else if (key === 'error' && value !== undefined) attributes['error.type'] = errorTypeOf(value);
  }
  span.addEvent(`sluice.${event.type}`, attributes, event.timestamp);
}
