/**
 * The typed error hierarchy. Every error Sluice raises is a {@link SluiceError}; none of
 * them holds a secret in its message, `toString()`, `toJSON()` or `util.inspect` output.
 */

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * Options shared by every Sluice error.
 *
 * @example
 * ```ts
 * class QuotaError extends SluiceError {}
 * const options: SluiceErrorOptions = { cause: new Error('quota'), correlationId: 'c-1' };
 * throw new QuotaError('Monthly quota used up.', options);
 * ```
 */
export interface SluiceErrorOptions {
  /** The error that caused this one, kept as the standard `Error.cause`. */
  cause?: unknown;
  /** The correlation id of the logical request, when known. */
  correlationId?: string | undefined;
}

/**
 * The root of every error Sluice raises. Extend it for your own error classes.
 *
 * @example
 * ```ts
 * try { await client.get('users/1').json(); }
 * catch (error) { if (error instanceof SluiceError) console.log(error.correlationId); }
 * ```
 */
export class SluiceError extends Error {
  /** The class name, `'SluiceError'`; each subclass sets its own. */
  override name = 'SluiceError';
  /** The correlation id of the logical request that failed, when known. */
  correlationId: string | undefined;

  /** Builds an error with a secret-free `message`; `options.cause` becomes `Error.cause`. */
  constructor(message: string, options: SluiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.correlationId = options.correlationId;
  }

  /** A plain, secret-free object for logs. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message, correlationId: this.correlationId };
  }

  /** What Node's `util.inspect` and `console.log` show: the redacted JSON form. */
  [INSPECT](): string {
    return `${this.name}: ${this.message} ${JSON.stringify(this.toJSON())}`;
  }
}

/**
 * What an {@link HttpError} is built from. All values are already redacted.
 *
 * @example
 * ```ts
 * const init: HttpErrorInit = {
 *   status: 404, statusText: 'Not Found', method: 'GET',
 *   url: 'https://api.example.com/users/1', headers: {}, attempts: 1,
 * };
 * const error = new NotFoundError(init); // "GET https://api.example.com/users/1 failed with 404 Not Found"
 * ```
 */
export interface HttpErrorInit extends SluiceErrorOptions {
  /** The HTTP status code, e.g. `404`. */
  status: number;
  /** The status text the server sent, e.g. `'Not Found'` (may be empty over HTTP/2). */
  statusText: string;
  /** The request method, e.g. `'GET'`. */
  method: string;
  /** The request URL, redacted. */
  url: string;
  /** The response headers, redacted. */
  headers: Record<string, string>;
  /** A preview of the body: parsed JSON, or text, capped at 8 KiB. */
  body?: unknown;
  /** How many attempts were made, retries included. */
  attempts: number;
  /** An explanation appended to the message, such as why retries stopped. */
  note?: string | undefined;
}

/**
 * A response with a non-2xx status. Subclasses tell the meaning by status.
 *
 * @example
 * ```ts
 * catch (error) { if (error instanceof HttpError) console.log(error.status, error.body); }
 * ```
 */
export class HttpError extends SluiceError {
  /** The class name, `'HttpError'`. */
  override name = 'HttpError';
  /** The HTTP status code of the response. */
  readonly status: number;
  /** The status text of the response (may be empty over HTTP/2). */
  readonly statusText: string;
  /** The request method. */
  readonly method: string;
  /** The request URL, with secret query parameters redacted. */
  readonly url: string;
  /** The response headers, with secret values redacted. */
  readonly headers: Record<string, string>;
  /** A preview of the response body (JSON when the content-type says so, else text), read from at most 8 KiB and redacted; `undefined` when there was none. */
  readonly body: unknown;
  /** How many attempts were made before this response, retries included. */
  attempts: number;

  /** Builds the error and its message, `"<METHOD> <url> failed with <status> <statusText>"`, from redacted values. */
  constructor(init: HttpErrorInit) {
    const reason = init.statusText ? `${init.status} ${init.statusText}` : String(init.status);
    super(`${init.method} ${init.url} failed with ${reason}${init.note ? ` (${init.note})` : ''}`, init);
    this.status = init.status;
    this.statusText = init.statusText;
    this.method = init.method;
    this.url = init.url;
    this.headers = init.headers;
    this.body = init.body;
    this.attempts = init.attempts;
  }

  /** The redacted fields as a plain object for logs. */
  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      status: this.status,
      statusText: this.statusText,
      method: this.method,
      url: this.url,
      headers: this.headers,
      body: this.body,
      attempts: this.attempts,
    };
  }
}

/**
 * 400 Bad Request.
 *
 * @example
 * ```ts
 * try { await client.get('users/1').json(); }
 * catch (error) { if (error instanceof BadRequestError) showValidation(error.body); }
 * ```
 */
export class BadRequestError extends HttpError {
  /** The class name, `'BadRequestError'`. */
  override name = 'BadRequestError';
}
/**
 * 401 Unauthorized.
 *
 * @example
 * ```ts
 * try { await client.get('users/1').json(); }
 * catch (error) { if (error instanceof UnauthorizedError) await login(); }
 * ```
 */
export class UnauthorizedError extends HttpError {
  /** The class name, `'UnauthorizedError'`. */
  override name = 'UnauthorizedError';
}
/**
 * 403 Forbidden.
 *
 * @example
 * ```ts
 * try { await client.get('users/1').json(); }
 * catch (error) { if (error instanceof ForbiddenError) askForAccess(error.url); }
 * ```
 */
export class ForbiddenError extends HttpError {
  /** The class name, `'ForbiddenError'`. */
  override name = 'ForbiddenError';
}
/**
 * 404 Not Found.
 *
 * @example
 * ```ts
 * try { await client.get('users/1').json(); }
 * catch (error) { if (error instanceof NotFoundError) return undefined; }
 * ```
 */
export class NotFoundError extends HttpError {
  /** The class name, `'NotFoundError'`. */
  override name = 'NotFoundError';
}
/**
 * 409 Conflict.
 *
 * @example
 * ```ts
 * try { await client.get('users/1').json(); }
 * catch (error) { if (error instanceof ConflictError) await reload(); }
 * ```
 */
export class ConflictError extends HttpError {
  /** The class name, `'ConflictError'`. */
  override name = 'ConflictError';
}

/**
 * 429, or a rate limit the retry middleware refused to wait out.
 *
 * @example
 * ```ts
 * if (error instanceof RateLimitError) console.log(`retry in ${error.retryAfter} ms`);
 * ```
 */
export class RateLimitError extends HttpError {
  /** The class name, `'RateLimitError'`. */
  override name = 'RateLimitError';
  /** The server's requested delay in milliseconds, when known. */
  readonly retryAfter: number | undefined;

  /** Builds the error; `init.retryAfter` is the delay the server asked for, in milliseconds. */
  constructor(init: HttpErrorInit & { retryAfter?: number | undefined }) {
    super(init);
    this.retryAfter = init.retryAfter;
  }

  /** The redacted fields, `retryAfter` included, as a plain object for logs. */
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfter: this.retryAfter };
  }
}

/**
 * Any 5xx status.
 *
 * @example
 * ```ts
 * try { await client.get('users/1').json(); }
 * catch (error) { if (error instanceof ServerError) reportOutage(error.status); }
 * ```
 */
export class ServerError extends HttpError {
  /** The class name, `'ServerError'`. */
  override name = 'ServerError';
}

/**
 * A deadline passed: one network `attempt`, or the `total` across attempts and waits.
 *
 * @example
 * ```ts
 * if (error instanceof TimeoutError && error.phase === 'total') giveUp();
 * ```
 */
export class TimeoutError extends SluiceError {
  /** The class name, `'TimeoutError'`. */
  override name = 'TimeoutError';
  /** Which deadline passed: one network `attempt`, or the `total` across attempts and waits. */
  readonly phase: 'attempt' | 'total';
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number;

  /** Builds the error; `options.message` replaces the default "The <phase> timeout of <ms> ms elapsed". */
  constructor(phase: 'attempt' | 'total', timeoutMs: number, options: SluiceErrorOptions & { message?: string } = {}) {
    super(options.message ?? `The ${phase} timeout of ${timeoutMs} ms elapsed`, options);
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }

  /** The fields, `phase` and `timeoutMs` included, as a plain object for logs. */
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), phase: this.phase, timeoutMs: this.timeoutMs };
  }
}

/**
 * The network failed (DNS, connection reset, TLS...). `cause` holds the original error.
 *
 * @example
 * ```ts
 * if (error instanceof NetworkError) console.log(error.cause);
 * ```
 */
export class NetworkError extends SluiceError {
  /** The class name, `'NetworkError'`. */
  override name = 'NetworkError';
  /** How many attempts were made, retries included. */
  attempts = 1;
}

/**
 * A response body could not be parsed as the caller asked (e.g. invalid JSON).
 *
 * @example
 * ```ts
 * if (error instanceof ResponseParseError) console.log(error.message);
 * ```
 */
export class ResponseParseError extends SluiceError {
  /** The class name, `'ResponseParseError'`. */
  override name = 'ResponseParseError';
}

/**
 * One failure of a response body against a schema: the message, and the path to the
 * failing value (`[]` for the root).
 *
 * @example
 * ```ts
 * const issue: ValidationIssue = { message: 'Expected number', path: ['items', 0, 'id'] };
 * ```
 */
export interface ValidationIssue {
  /** What the schema said, e.g. `Invalid input: expected number, received string`. */
  message: string;
  /** Where: object keys and array indexes from the root of the body. */
  path: ReadonlyArray<string | number>;
}

/**
 * A response body did not match the schema the caller gave (Standard Schema: zod,
 * valibot, arktype...). `path` is the path of the first failure, `issues` all of them.
 *
 * @example
 * ```ts
 * try { await client.get('users/1').json(userSchema); }
 * catch (error) { if (error instanceof ResponseValidationError) console.log(error.path, error.issues); }
 * ```
 */
export class ResponseValidationError extends SluiceError {
  override name = 'ResponseValidationError';
  /** The path of the first failing value, e.g. `['items', 0, 'id']`; `[]` for the root. */
  readonly path: ReadonlyArray<string | number>;
  /** Every failure the schema reported. */
  readonly issues: readonly ValidationIssue[];

  constructor(message: string, options: SluiceErrorOptions & { issues: readonly ValidationIssue[] }) {
    super(message, options);
    this.issues = options.issues;
    this.path = options.issues[0]?.path ?? [];
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), path: this.path, issues: this.issues };
  }
}

/**
 * A token endpoint failed. `status` is its HTTP status (absent for a network failure);
 * `body` is its redacted response text.
 *
 * @example
 * ```ts
 * if (error instanceof AuthError) console.log(error.status, error.body);
 * ```
 */
export class AuthError extends SluiceError {
  /** The class name, `'AuthError'`. */
  override name = 'AuthError';
  /** The token endpoint's HTTP status; `undefined` when the call failed on the network. */
  readonly status: number | undefined;
  /** The token endpoint's response text, with secrets redacted. */
  readonly body: string | undefined;

  /** Builds the error; `options.status` and `options.body` describe the token endpoint's answer (already redacted). */
  constructor(message: string, options: SluiceErrorOptions & { status?: number; body?: string } = {}) {
    super(message, options);
    this.status = options.status;
    this.body = options.body;
  }

  /** The fields, `status` and `body` included, as a plain object for logs. */
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), status: this.status, body: this.body };
  }
}

/**
 * A request had to be sent again (retry, 401 replay) but its body is a one-shot stream.
 *
 * @example
 * ```ts
 * await pipeline(url, { method: 'PUT', body: stream, bodyFactory: () => openStream() });
 * ```
 */
export class NotReplayableError extends SluiceError {
  /** The class name, `'NotReplayableError'`. */
  override name = 'NotReplayableError';
}

/**
 * The concurrency limiter's queue is full (`maxQueue`).
 *
 * @example
 * ```ts
 * if (error instanceof QueueFullError) respondBusy();
 * ```
 */
export class QueueFullError extends SluiceError {
  /** The class name, `'QueueFullError'`. */
  override name = 'QueueFullError';
}

/**
 * Pagination went wrong: a strategy returned the same next page twice, or a guard hit.
 *
 * @example
 * ```ts
 * if (error instanceof PaginationError) console.log(error.message);
 * ```
 */
export class PaginationError extends SluiceError {
  /** The class name, `'PaginationError'`. */
  override name = 'PaginationError';
}

/**
 * The circuit breaker is open for this request's origin (or its half-open probe is in
 * flight): the request failed at once, without reaching the network. `retryAfter` is the
 * time in ms until the circuit half-opens and lets a probe through (0 while a probe runs).
 *
 * @example
 * ```ts
 * if (error instanceof CircuitOpenError) console.log(`${error.key} is down; try in ${error.retryAfter} ms`);
 * ```
 */
export class CircuitOpenError extends SluiceError {
  override name = 'CircuitOpenError';
  /** The circuit's key (by default the origin). */
  readonly key: string;
  /** Milliseconds until the circuit half-opens; 0 when a half-open probe is already in flight. */
  readonly retryAfter: number;

  constructor(message: string, options: SluiceErrorOptions & { key: string; retryAfter: number }) {
    super(message, options);
    this.key = options.key;
    this.retryAfter = options.retryAfter;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), key: this.key, retryAfter: this.retryAfter };
  }
}
