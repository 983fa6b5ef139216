/**
 * The typed error hierarchy. Every error Sluice raises is a {@link SluiceError}; none of
 * them holds a secret in its message, `toString()`, `toJSON()` or `util.inspect` output.
 */

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * `Error` with what Node's `util.inspect` and `console.log` show for a Sluice error: the
 * redacted JSON form. Made by a pure call, not written into {@link SluiceError}: a bundler
 * keeps a class with a computed symbol key even when nothing uses it, which would put the
 * error classes in every app that imports anything from the published flat file.
 */
function withInspect(Base: ErrorClass): ErrorClass {
  return class extends Base {
    [INSPECT](this: SluiceError): string {
      return `${this.name}: ${this.message} ${JSON.stringify(this.toJSON())}`;
    }
  };
}

const InspectableError = /* @__PURE__ */ withInspect(Error);

/** `Error`'s constructor, without its call signature. */
type ErrorClass = new (message?: string, options?: ErrorOptions) => Error;

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
export class SluiceError extends InspectableError {
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
