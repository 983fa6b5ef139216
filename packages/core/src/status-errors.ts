// The HTTP status errors: HttpError and one subclass per meaning.
import { SluiceError, type SluiceErrorOptions } from './errors.js';

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

/** The fields an {@link HttpError} copies from its init and shows in `toJSON`, in this order. */
const HTTP_FIELDS = ['status', 'statusText', 'method', 'url', 'headers', 'body', 'attempts'] as const;

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
  readonly status!: number;
  /** The status text of the response (may be empty over HTTP/2). */
  readonly statusText!: string;
  /** The request method. */
  readonly method!: string;
  /** The request URL, with secret query parameters redacted. */
  readonly url!: string;
  /** The response headers, with secret values redacted. */
  readonly headers!: Record<string, string>;
  /** A preview of the response body (JSON when the content-type says so, else text), read from at most 8 KiB and redacted; `undefined` when there was none. */
  readonly body!: unknown;
  /** How many attempts were made before this response, retries included. */
  attempts!: number;

  /** Builds the error and its message, `"<METHOD> <url> failed with <status> <statusText>"`, from redacted values. */
  constructor(init: HttpErrorInit) {
    const reason = init.statusText ? `${init.status} ${init.statusText}` : String(init.status);
    super(`${init.method} ${init.url} failed with ${reason}${init.note ? ` (${init.note})` : ''}`, init);
    for (const key of HTTP_FIELDS) (this as Record<string, unknown>)[key] = init[key];
  }

  /** The redacted fields as a plain object for logs. */
  override toJSON(): Record<string, unknown> {
    const json = super.toJSON();
    for (const key of HTTP_FIELDS) json[key] = this[key];
    return json;
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
