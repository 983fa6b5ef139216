import { SluiceError, type SluiceErrorOptions } from './errors.js';

/*
 * The errors of a request Sluice refuses to make or to go on with, without a response to
 * describe: a body that cannot be sent again, a pagination that loops, an open circuit.
 * (Beside the root SluiceError and the response errors in errors.ts.)
 */

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
