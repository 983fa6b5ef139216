// The HTTP-error toolkit: builds the typed HttpError for a response (with a bounded,
// scrubbed body preview) and tells a network failure from a bug. The errors middleware,
// retry and auth use it; it is public for middlewares of your own.
import type { Context } from './types/index.js';
import { NetworkError, SluiceError } from './errors.js';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  HttpError,
  type HttpErrorInit,
  NotFoundError,
  RateLimitError,
  ServerError,
  UnauthorizedError,
} from './status-errors.js';
import { BODY_SECRET_KEYS, REDACTED, type Redaction, RequestSecrets, type Scrub } from './secrets/index.js';
import { serverDelay } from './retry/retry-after.js';

/** How many bytes of an error response's body are read for its preview. */
const PREVIEW_BYTES = 8 * 1024;

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

/**
 * A scrubber for one request's secrets: the URL (its userinfo and secret query values),
 * the secret header values of `request` and the values middlewares add to
 * `context.state.secrets`. Nothing is read until an error needs it: the request that
 * reaches the errors middleware is never edited in place by inner middlewares except to
 * add headers (an Idempotency-Key), so its secret headers are the same then as now. It is
 * the scrubber of a {@link RequestSecrets} with the names fixed to `redaction`; the errors
 * middleware shares it between the message, the body preview and the cause.
 */
export function scrubberFor(request: Request | undefined, redaction: Redaction, context: Context): Scrub {
  return new RequestSecrets(context, request, redaction).scrub();
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
