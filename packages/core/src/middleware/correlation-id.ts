import type { CorrelationScope, Middleware, SluiceFetch, SluiceRequestInit } from '../types/index.js';
import { checkKeys, type OptionKeys, optionError } from '../check.js';

/**
 * Options of {@link correlationId}.
 *
 * @example
 * ```ts
 * const options: CorrelationIdOptions = { userId: 'user123', applicationId: 'app101' };
 * ```
 */
export interface CorrelationIdOptions {
  /** The header that carries the id. Default `x-correlation-id`. */
  header?: string;
  /** A fixed id sent on every request. Wins over `userId`/`applicationId`. */
  id?: string;
  /** With `applicationId`, prefixes every generated id: `userId/applicationId/uuid`. */
  userId?: string;
  /** With `userId`, prefixes every generated id: `userId/applicationId/uuid`. */
  applicationId?: string;
  /** Makes the random part of a new id. Default `crypto.randomUUID()`. */
  generate?: () => string;
}


/**
 * Makes a new correlation id: a random UUID, prefixed `userId/applicationId/` when both
 * are given (the Sequoia format).
 *
 * @example
 * ```ts
 * newCorrelationId(); // 'cbd05bd7-3099-4dcb-aeff-806ccec3292a'
 * newCorrelationId({ userId: 'user123', applicationId: 'app101' }); // 'user123/app101/…'
 * ```
 */
export function newCorrelationId(prefix: { userId?: string; applicationId?: string } = {}): string {
  const uuid = globalThis.crypto.randomUUID();
  return prefix.userId && prefix.applicationId ? `${prefix.userId}/${prefix.applicationId}/${uuid}` : uuid;
}

/**
 * Gives each logical request a correlation id and sends it in a header (default
 * `x-correlation-id`). The id is chosen once per logical request, so every retry and
 * replay carries the same one, and it is set on `context.correlationId` (hence on
 * events and errors).
 *
 * Which id wins, first match: the per-request `correlationId` option; a header of that
 * name the caller already set (kept as it is); the id of an enclosing
 * {@link withOperation} scope; the fixed `id` option; a new id
 * (`userId/applicationId/uuid` when both prefix parts are given, else a UUID).
 *
 * @example
 * ```ts
 * const pipeline = compose([correlationId({ userId: 'user123', applicationId: 'app101' })]);
 * await pipeline('https://api.example.com/items'); // x-correlation-id: user123/app101/<uuid>
 * ```
 */
export function correlationId(options: CorrelationIdOptions = {}): Middleware {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`correlationId(): expected an options object or nothing, got ${typeof options}.`);
  }
  checkKeys('correlationId()', options, CORRELATION_ID_KEYS);
  const header = validateHeader(options.header ?? 'x-correlation-id');
  const fixed = options.id === undefined ? undefined : validateId(options.id, 'id');
  const { userId, applicationId } = options;
  if (userId !== undefined) validateId(userId, 'userId');
  if (applicationId !== undefined) validateId(applicationId, 'applicationId');
  if ((userId === undefined) !== (applicationId === undefined)) {
    throw new TypeError(
      `correlationId(): "userId" and "applicationId" go together (the prefix is userId/applicationId/uuid); got only "${userId === undefined ? 'applicationId' : 'userId'}".`,
    );
  }
  if (options.generate !== undefined && typeof options.generate !== 'function') {
    throw new TypeError(`correlationId(): "generate" must be a function returning a string, got ${typeof options.generate}.`);
  }
  const custom = options.generate;
  const prefix = userId && applicationId ? `${userId}/${applicationId}/` : '';
  // A UUID needs no checking; a custom generator's output is checked every time.
  const generate = (): string => prefix + (custom ? validateId(custom(), 'generate()') : globalThis.crypto.randomUUID());

  return {
    name: 'correlationId',
    handle(request, context, next) {
      const option = context.options.correlationId;
      const existing = request.headers.get(header);
      let id = context.correlationId;
      if (id === undefined) {
        if (option !== undefined) id = validateId(option, 'the "correlationId" request option');
        else if (existing !== null && existing !== '') id = existing;
        else {
          const scope = context.options.correlationScope;
          if (scope) scope.id ??= fixed ?? generate();
          id = scope?.id ?? fixed ?? generate();
        }
        context.correlationId = id;
      }
      if (existing === id) return next(request);
      return next(withHeader(request, header, id));
    },
  };
}

/**
 * Wraps a pipeline so that every request made through the wrapper shares one
 * correlation id: the given `id`, or else one the correlationId middleware makes on the
 * first request (with its prefix). Pagination uses it so all pages share an id. A
 * per-request `correlationId` option or header still wins. `correlationId` on the
 * returned function reads the shared id once known.
 *
 * @example
 * ```ts
 * const pipeline = compose([correlationId()]);
 * const operation = withOperation(pipeline);
 * await operation('https://api.example.com/items?page=1');
 * await operation('https://api.example.com/items?page=2'); // same x-correlation-id
 * console.log(operation.correlationId);
 * ```
 */
export function withOperation(
  fetch: SluiceFetch,
  id?: string,
): SluiceFetch & {
  /** The operation's shared correlation id: `undefined` until the first request gets one. */
  readonly correlationId: string | undefined;
} {
  if (typeof fetch !== 'function') throw new TypeError(`withOperation(): "fetch" must be a function, got ${typeof fetch}.`);
  const scope: CorrelationScope = { id: id === undefined ? undefined : validateId(id, 'id') };
  const scoped = (input: RequestInfo | URL, init?: SluiceRequestInit): Promise<Response> =>
    fetch(input, { ...init, correlationScope: scope });
  return Object.defineProperty(scoped, 'correlationId', { get: () => scope.id, enumerable: true }) as SluiceFetch & {
    readonly correlationId: string | undefined;
  };
}

function withHeader(request: Request, header: string, id: string): Request {
  try {
    request.headers.set(header, id);
    return request;
  } catch {
    // Immutable headers (e.g. a Request from a service worker event): copy the request.
    const headers = new Headers(request.headers);
    headers.set(header, id);
    return new Request(request, { headers });
  }
}

function validateHeader(header: unknown): string {
  if (typeof header !== 'string' || header === '') {
    throw new TypeError(`correlationId(): "header" must be a non-empty header name, got ${JSON.stringify(header)}.`);
  }
  try {
    new Headers().set(header, 'x');
  } catch {
    throw new TypeError(`correlationId(): "header" ${JSON.stringify(header)} is not a valid HTTP header name.`);
  }
  return header;
}

/** A bad id is the caller's mistake: a plain `TypeError` (an option error), never wrapped by the errors middleware. */
function validateId(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '' || /[\r\n\0]/.test(value) || value.trim() !== value) {
    throw optionError(
      `correlationId: ${what} must be a non-empty string without line breaks or surrounding spaces, got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

/** Every key of {@link CorrelationIdOptions}. */
const CORRELATION_ID_KEYS: OptionKeys<CorrelationIdOptions> = { header: true, id: true, userId: true, applicationId: true, generate: true };
