import type { Context, Middleware, ThrowHttpErrors } from '../types/index.js';
import { NetworkError, SluiceError } from '../errors.js';
import { HttpError } from '../status-errors.js';
import { createRedaction, DEFAULT_SECRET_NAMES, type Redaction, type Scrub, scrubError } from '../secrets/index.js';
import { discard } from '../discard.js';
import { guardBody } from '../body-guard.js';
import { deterministicFailure } from '../retry/deterministic.js';
import { checkKeys, isOptionError, type OptionKeys, optionError } from '../check.js';
import { isNetworkFailure, scrubberFor, toHttpError } from '../http-error.js';

/**
 * Options of {@link errors}.
 *
 * @example
 * ```ts
 * const options: ErrorsOptions = { secrets: [...DEFAULT_SECRET_NAMES, 'x-octopus-apikey'] };
 * ```
 */
export interface ErrorsOptions {
  /**
   * `false` returns non-2xx responses as they are; a function decides per status (ky's
   * form, `(status) => status !== 404`). Default `true`; a request's own option wins.
   */
  throwHttpErrors?: ThrowHttpErrors;
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
  checkKeys('errors()', options, ERRORS_KEYS);
  if (options.throwHttpErrors !== undefined && !isThrowRule(options.throwHttpErrors)) {
    throw new TypeError(`errors(): "throwHttpErrors" must be a boolean or a function of the status, got ${typeof options.throwHttpErrors}.`);
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

  // Shared by every request: a body read that fails later (a reset mid-body) is mapped like a failed request.
  const bodyFailure = (error: unknown, request: Request, context: Context): unknown =>
    mapThrown(error, request, context, scrubberFor(request, redactionInForce(redaction, context), context), 'body');
  const fallbackRule = options.throwHttpErrors ?? true;

  /** A non-2xx answer that throws: the mapped error, the response's body cancelled. */
  async function refuse(response: Response, request: Request, context: Context): Promise<never> {
    // The scrubber is made on the error path only: a request that succeeds never pays for it.
    const scrub = scrubberFor(request, redactionInForce(redaction, context), context);
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
  }

  return {
    name: 'errors',
    // No async frame: an answer that passes costs a few property reads and one guard.
    handle(request, context, next) {
      context.redaction = redaction;
      const rule = context.options.throwHttpErrors;
      // A bad per-request rule is refused before anything is sent, not when an answer comes.
      if (rule !== undefined && !isThrowRule(rule)) return Promise.reject(badRule(rule));
      let pending: Promise<Response>;
      try {
        pending = Promise.resolve(next(request)); // a plain value from a hand-written `next` too
      } catch (error) {
        return Promise.reject(mapThrown(error, request, context, scrubberFor(request, redactionInForce(redaction, context), context)));
      }
      return pending.then((response) => {
        if (passesThrough(response, request) || !throwsFor(context.options.throwHttpErrors ?? fallbackRule, response.status)) {
          return guardBody(response, bodyFailure, request, context);
        }
        return refuse(response, request, context);
      }, (error: unknown) => {
        throw mapThrown(error, request, context, scrubberFor(request, redactionInForce(redaction, context), context));
      });
    },
  };
}

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

/**
 * The names an error of this request is scrubbed by: the redaction in force when it
 * widens this middleware's own (auth's secret names, `addSecretNames` inside errors()),
 * else this middleware's own.
 */
function redactionInForce(own: Redaction, context: Context): Redaction {
  const inForce = context.redaction;
  if (inForce === own) return own;
  for (const name of own.names) if (!inForce.names.has(name)) return own;
  return inForce;
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
  // A bad option (a per-request `timeout: 0`) is the caller's mistake: the TypeError itself.
  if (isOptionError(error)) return scrubError(error, scrub, 0);
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

/** Every key of {@link ErrorsOptions}. */
const ERRORS_KEYS: OptionKeys<ErrorsOptions> = { throwHttpErrors: true, map: true, secrets: true };

function isThrowRule(value: unknown): value is ThrowHttpErrors {
  return typeof value === 'boolean' || typeof value === 'function';
}

/** Whether `rule` (checked before the request was sent) throws for `status`. */
function throwsFor(rule: ThrowHttpErrors, status: number): boolean {
  return typeof rule === 'function' ? rule(status) === true : rule;
}

/** The plain `TypeError` for a per-request `throwHttpErrors` that is neither form. */
function badRule(rule: unknown): TypeError {
  return optionError(`The "throwHttpErrors" request option must be a boolean or a function of the status, got ${typeof rule}.`);
}
