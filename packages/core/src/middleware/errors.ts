import type { Context, Middleware } from '../context.js';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  HttpError,
  type HttpErrorInit,
  NetworkError,
  NotFoundError,
  RateLimitError,
  ServerError,
  SluiceError,
  UnauthorizedError,
} from '../errors.js';
import { createRedaction, DEFAULT_SECRET_NAMES, REDACTED, type Redaction } from '../redact.js';
import { BODY_SECRET_KEYS, createScrub, type Scrub, scrubError, secretHeaders } from '../scrub.js';
import { serverDelay } from '../retry/retry-after.js';
import { discard } from '../discard.js';
import { guardBody } from '../body-guard.js';
import { deterministicFailure } from '../retry/deterministic.js';

/**
 * Options of {@link errors}.
 *
 * @example
 * ```ts
 * const options: ErrorsOptions = { secrets: [...DEFAULT_SECRET_NAMES, 'x-octopus-apikey'] };
 * ```
 */
export interface ErrorsOptions {
  /** `false` returns non-2xx responses as they are. Default `true`; a request's own option wins. */
  throwHttpErrors?: boolean;
  /**
   * Builds your own error for a non-2xx response (a subclass of {@link SluiceError}).
   * Return `undefined` to fall back to the standard hierarchy. It gets its own clone of
   * the response, so reading the body does not spoil the standard error's preview.
   */
  map?(response: Response, context: Context): SluiceError | undefined | Promise<SluiceError | undefined>;
  /**
   * Header and query-parameter names whose values never appear in an error. Replaces
   * {@link DEFAULT_SECRET_NAMES}; `authorization`, `proxy-authorization`, `cookie` and
   * `set-cookie` are always secret.
   */
  secrets?: readonly string[];
}

/** How many bytes of an error response's body are read for its preview. */
const PREVIEW_BYTES = 8 * 1024;

/**
 * The outermost middleware: maps every failure, once, into the typed hierarchy rooted
 * in {@link SluiceError}, and installs the redaction every error and event uses.
 *
 * - A non-2xx response throws the {@link HttpError} subclass for its status (400, 401,
 *   403, 404, 409, 429 with `retryAfter`, 5xx), with a redacted URL and headers and a
 *   body preview of at most 8 KiB. A `304`, and a 3xx under `redirect: 'manual'`, pass
 *   through.
 * - A network failure becomes a {@link NetworkError} (the original in `cause`); any
 *   other unknown error a {@link SluiceError} that says so.
 * - A caller's own abort rejects with the caller's signal reason, unchanged.
 *
 * @example
 * ```ts
 * const pipeline = compose([errors({ secrets: ['x-octopus-apikey'] }), retry()]);
 * try {
 *   await pipeline('https://api.example.com/users/7');
 * } catch (error) {
 *   if (error instanceof NotFoundError) console.log(error.status, error.body);
 * }
 * ```
 */
export function errors(options: ErrorsOptions = {}): Middleware {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`errors(): expected an options object, got ${String(options)}.`);
  }
  if (options.throwHttpErrors !== undefined && typeof options.throwHttpErrors !== 'boolean') {
    throw new TypeError(`errors(): "throwHttpErrors" must be a boolean, got ${typeof options.throwHttpErrors}.`);
  }
  if (options.map !== undefined && typeof options.map !== 'function') {
    throw new TypeError(`errors(): "map" must be a function, got ${typeof options.map}.`);
  }
  const secrets = options.secrets ?? DEFAULT_SECRET_NAMES;
  if (!Array.isArray(secrets) || secrets.some((name) => typeof name !== 'string' || name.trim() === '')) {
    throw new TypeError('errors(): "secrets" must be an array of non-empty header or query-parameter names.');
  }
  // One redaction per middleware, installed on every request (auth replaces it, never mutates it).
  const redaction = createRedaction([...secrets]);
  const map = options.map;

  return {
    name: 'errors',
    async handle(request, context, next) {
      context.redaction = redaction;
      const scrub = scrubberFor(request, redaction, context);
      let response: Response;
      try {
        response = await next(request);
      } catch (error) {
        throw mapThrown(error, request, context, scrub);
      }
      // A body read that fails later (a reset mid-body) is mapped like a failed request.
      const guard = (): Response => guardBody(response, (error) => mapThrown(error, request, context, scrub, 'body'));
      if (passesThrough(response, request)) return guard();
      if (!(context.options.throwHttpErrors ?? options.throwHttpErrors ?? true)) return guard();
      let mapped: SluiceError;
      try {
        mapped = (map ? await custom(map, response, context) : undefined) ?? (await toHttpError(response, context, { scrub }));
      } catch (error) {
        throw mapThrown(error, request, context, scrub);
      } finally {
        // The response is not returned: a body nobody read is cancelled, so whatever holds
        // it (a concurrency slot with release: 'body', a socket) is freed.
        discard(response);
      }
      throw mapThrown(mapped, request, context, scrub);
    },
  };
}

/**
 * Extra inputs of {@link toHttpError}.
 *
 * @example
 * ```ts
 * const options: ToHttpErrorOptions = { note: 'quota exhausted', retryAfter: 60_000 };
 * throw await toHttpError(response, context, options);
 * ```
 */
export interface ToHttpErrorOptions {
  /** An explanation appended to the message; defaults to `context.state.retryStopped`. */
  note?: string | undefined;
  /** For a 429: the delay in ms; defaults to the response's own (Retry-After & co). */
  retryAfter?: number | undefined;
  /** Extra redaction of free text (the errors middleware passes one that knows the request's secrets). */
  scrub?: ((text: string) => string) | undefined;
}

/**
 * Builds the {@link HttpError} subclass for a non-2xx response: redacted URL and
 * headers, a body preview (JSON when the content-type says so, else text) read from at
 * most 8 KiB of the body, which is then cancelled, plus `correlationId` and `attempts`
 * from `context`.
 *
 * @example
 * ```ts
 * const tokenCheck: Middleware = {
 *   name: 'tokenCheck',
 *   async handle(request, context, next) {
 *     const response = await next(request);
 *     if (response.status === 401) throw await toHttpError(response, context);
 *     return response;
 *   },
 * };
 * ```
 */
export async function toHttpError(response: Response, context: Context, options: ToHttpErrorOptions = {}): Promise<HttpError> {
  const redaction = context.redaction;
  const scrub = options.scrub ?? scrubberFor(undefined, redaction, context);
  const init: HttpErrorInit = {
    status: response.status,
    statusText: response.statusText,
    method: context.method,
    url: redaction.url(context.url),
    headers: scrubValues(redaction.headers(response.headers), scrub),
    body: await readPreview(response, context.signal, redaction, scrub),
    attempts: context.attempt,
    correlationId: context.correlationId,
    note: options.note ?? context.state.retryStopped,
  };
  const status = response.status;
  if (status === 400) return new BadRequestError(init);
  if (status === 401) return new UnauthorizedError(init);
  if (status === 403) return new ForbiddenError(init);
  if (status === 404) return new NotFoundError(init);
  if (status === 409) return new ConflictError(init);
  if (status === 429) return new RateLimitError({ ...init, retryAfter: options.retryAfter ?? serverDelay(response.headers) });
  if (status >= 500 && status < 600) return new ServerError(init);
  return new HttpError(init);
}

/** Header values with the request's secrets removed (a server may echo a credential). */
function scrubValues(headers: Record<string, string>, scrub: Scrub): Record<string, string> {
  for (const [name, value] of Object.entries(headers)) {
    if (value !== REDACTED) headers[name] = scrub(value);
  }
  return headers;
}

/**
 * Whether an error thrown by a fetch is a network failure (connection refused or reset,
 * DNS, TLS, a dropped body) rather than a bug or an abort. Recognises the `TypeError`s
 * of undici, browsers and common polyfills, and Node's network error codes anywhere in
 * the `cause` chain.
 *
 * @example
 * ```ts
 * try { await fetch('http://127.0.0.1:9'); } catch (error) { console.log(isNetworkFailure(error)); }
 * ```
 */
export function isNetworkFailure(error: unknown): boolean {
  if (error instanceof SluiceError) return error instanceof NetworkError;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.name === 'AbortError' || current.name === 'TimeoutError') return false;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODE.test(code)) return true;
    if (current instanceof TypeError && NETWORK_MESSAGE.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

const NETWORK_MESSAGE =
  /fetch failed|failed to fetch|networkerror when attempting to fetch|network ?error|load failed|network request failed|network connection was lost|internet connection appears to be offline|^terminated$|other side closed|socket hang up|error sending request|unable to connect/i;
const NETWORK_CODE =
  /^(?:E(?:CONN\w+|HOSTUNREACH|HOSTDOWN|NETUNREACH|NETDOWN|NETRESET|NOTFOUND|AI_\w+|TIMEDOUT|PIPE|PROTO)|UND_ERR_\w+|ERR_TLS_\w+|ERR_SSL_\w+|ERR_SOCKET_\w+|CERT_\w+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_\w+)$/;

async function custom(
  map: NonNullable<ErrorsOptions['map']>,
  response: Response,
  context: Context,
): Promise<SluiceError | undefined> {
  const copy = response.clone();
  let result: unknown;
  try {
    result = await map(copy, context);
  } finally {
    // Whatever map returned or threw, its copy is done with; the caller cancels the original.
    discard(copy);
  }
  if (result === undefined || result === null) return undefined;
  if (result instanceof SluiceError) return result;
  const detail = result instanceof Error ? `${result.name}: ${result.message}` : typeof result;
  return new SluiceError(`errors(): "map" returned something that is not a SluiceError (${detail}); extend SluiceError`, {
    cause: result,
  });
}

/** 2xx, 304, a 3xx the caller asked to see (`redirect: 'manual'`), and opaque responses. */
function passesThrough(response: Response, request: Request): boolean {
  if (response.ok || response.status === 304) return true;
  if (response.type === 'opaqueredirect' || response.type === 'opaque') return true;
  return response.status >= 300 && response.status < 400 && request.redirect === 'manual';
}

/** Maps anything thrown below (or built here) exactly once. */
function mapThrown(error: unknown, request: Request, context: Context, scrub: Scrub, phase?: 'body'): unknown {
  const callerSignal = context.callerSignal;
  if (callerSignal?.aborted) return callerSignal.reason;
  const note = context.state.retryStopped;
  if (error instanceof SluiceError) {
    error.correlationId ??= context.correlationId;
    if ((error instanceof HttpError || error instanceof NetworkError) && error.attempts < context.attempt) {
      error.attempts = context.attempt;
    }
    rewriteMessage(error, scrub(error.message) + (note && !error.message.includes(note) ? ` (${note})` : ''));
    if (error.cause !== undefined) error.cause = scrubError(error.cause, scrub, 0);
    return error;
  }
  const where = `${request.method} ${context.redaction.url(request.url)}`;
  const suffix = note ? ` (${note})` : '';
  const options = { cause: scrubError(error, scrub, 0), correlationId: context.correlationId };
  const failed = phase === 'body' ? 'failed while reading the response body' : 'failed';
  const why = deterministicFailure(error);
  if (why !== undefined || isNetworkFailure(error)) {
    const what = why === undefined ? 'network error' : `${why}, so it was not retried`;
    const failure = new NetworkError(`${where} ${failed}: ${what} (${describe(error, scrub)})${suffix}`, options);
    failure.attempts = context.attempt;
    return failure;
  }
  return new SluiceError(`${where} ${failed} with an unexpected error (${describe(error, scrub)})${suffix}`, options);
}

function rewriteMessage(error: Error, message: string): void {
  if (message === error.message) return;
  const old = error.message;
  error.message = message;
  if (typeof error.stack === 'string') error.stack = error.stack.replace(old, message);
}

/** `TypeError: fetch failed ← Error: connect ECONNREFUSED 127.0.0.1:1`, redacted. */
function describe(error: unknown, scrub: Scrub): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      parts.push(`${current.name}: ${current.message}`);
      current = current.cause;
    } else {
      parts.push(typeof current === 'string' ? current : `thrown ${typeof current}`);
      current = undefined;
    }
  }
  return scrub(parts.join(' ← ')).slice(0, 500);
}

/**
 * A scrubber for one request's secrets: the URL (its userinfo and secret query values),
 * the secret header values of `request` and the values middlewares add to
 * `context.state.secrets`. Nothing is read until an error needs it: the request that
 * reaches the errors middleware is never edited in place by inner middlewares except to
 * add headers (an Idempotency-Key), so its secret headers are the same then as now.
 */
function scrubberFor(request: Request | undefined, redaction: Redaction, context: Context): Scrub {
  return createScrub(redaction, {
    url: request?.url ?? context.url,
    headers: () => (request ? secretHeaders(request.headers, redaction) : []),
    secrets: () => context.state.secrets,
  });
}

async function readPreview(
  response: Response,
  signal: AbortSignal,
  redaction: Redaction,
  scrub: Scrub,
): Promise<unknown> {
  const body = response.body;
  if (!body || response.bodyUsed || body.locked) return undefined;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let done = false;
  const onAbort = () => {
    reader.cancel(signal.reason).catch(() => {});
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal.aborted) throw signal.reason;
    while (size <= PREVIEW_BYTES) {
      const chunk = await reader.read();
      if (chunk.done) {
        done = true;
        break;
      }
      chunks.push(chunk.value);
      size += chunk.value.byteLength;
    }
    if (signal.aborted) throw signal.reason;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    return `[body unreadable: ${scrub(error instanceof Error ? error.message : String(error))}]`;
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!done) reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(Math.min(size, PREVIEW_BYTES));
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= bytes.length) break;
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.length;
  }
  const text = new TextDecoder().decode(bytes, { stream: !done });
  if (text === '') return undefined;
  if (done && isJsonMediaType(response.headers.get('content-type'))) {
    try {
      return redactJson(JSON.parse(text), new Set([...redaction.names, ...BODY_SECRET_KEYS]), scrub, 0);
    } catch {
      // not valid JSON after all: fall back to text
    }
  }
  return done ? scrub(text) : `${scrub(text)}… [truncated at ${PREVIEW_BYTES} bytes]`;
}

/** `application/json` or a `+json` structured syntax suffix (RFC 6839); parameters ignored. */
function isJsonMediaType(contentType: string | null): boolean {
  const type = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.endsWith('+json') && type.includes('/'));
}

function redactJson(value: unknown, names: ReadonlySet<string>, scrub: Scrub, depth: number): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((item) => redactJson(item, names, scrub, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = names.has(key.toLowerCase()) ? REDACTED : redactJson(item, names, scrub, depth + 1);
  }
  return out;
}
