import type { Context, Middleware, Next } from '../types/index.js';
import { checkKeys, type OptionKeys } from '../check.js';

/**
 * Computes the dedupe key of a request; requests with the same key while one is in flight
 * share its network request. Return `undefined` to never share this request.
 *
 * @example
 * ```ts
 * const byUrlOnly: DedupeKey = (request) => `${request.method} ${request.url}`;
 * ```
 */
export type DedupeKey = (request: Request, context: Context) => string | undefined;

/**
 * Options of {@link dedupe}.
 *
 * @example
 * ```ts
 * const options: DedupeOptions = { headers: [...DEFAULT_DEDUPE_HEADERS, 'x-tenant'] };
 * ```
 */
export interface DedupeOptions {
  /** Methods that may share a request. Default `['GET', 'HEAD']`. */
  methods?: readonly string[];
  /**
   * The request headers whose values are part of the default key. Default
   * {@link DEFAULT_DEDUPE_HEADERS}: `accept`, `accept-encoding` and the credential headers.
   */
  headers?: readonly string[];
  /** Replaces the default key (method, URL, the `headers` values and the per-request `auth`). */
  key?: DedupeKey;
}

/**
 * The headers the default dedupe key reads: content negotiation, and every header that
 * carries credentials, so that two callers with different credentials never share.
 *
 * @example
 * ```ts
 * const withTenant = dedupe({ headers: [...DEFAULT_DEDUPE_HEADERS, 'x-tenant'] });
 * ```
 */
export const DEFAULT_DEDUPE_HEADERS: readonly string[] = Object.freeze([
  'accept',
  'accept-encoding',
  'authorization',
  'cookie',
  'proxy-authorization',
  'api-key',
  'x-api-key',
]);

/** One shared network request and the callers still waiting for it. */
interface Flight {
  readonly controller: AbortController;
  readonly waiters: Set<Waiter>;
}

interface Waiter {
  resolve(response: Response): void;
  reject(error: unknown): void;
}

/** Distinct ids for per-request auth objects, so that the key tells them apart without holding them. */
const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

/**
 * Shares one network request among identical GET and HEAD requests in flight at the same
 * time. Identical means the same method, URL, values of the `headers` the key names
 * (default {@link DEFAULT_DEDUPE_HEADERS}, plus any header named secret by the client's
 * `secrets`) and per-request `auth` override; a request with
 * a body never shares. Each caller gets its own clone of the response (a tee of the one
 * body, so a caller that reads slowly never stalls the others: its unread part is
 * buffered for it; cancel the body of a response you will not read). A caller that
 * aborts rejects at once with its reason and leaves the request running for the others;
 * when the last caller aborts, the shared request is aborted.
 *
 * Place it outside `timeout.total` and retry (`{ middleware: dedupe(), before: 'timeout.total' }`):
 * it shares the logical request, retries and token refreshes included, and the shared
 * request runs under the first caller's correlation id and deadline.
 *
 * @example
 * ```ts
 * const pipeline = compose([errors(), correlationId(), dedupe(), timeout({ total: 10_000 }), retry()]);
 * const [a, b] = await Promise.all([pipeline('https://api.example.com/me'), pipeline('https://api.example.com/me')]);
 * // one network request; a and b are separate responses
 * ```
 */
export function dedupe(options: DedupeOptions = {}): Middleware {
  if (options === null || typeof options !== 'object') throw new TypeError(`dedupe(): expected an options object, got ${options === null ? 'null' : typeof options}.`);
  checkKeys('dedupe()', options, DEDUPE_KEYS);
  const methods = new Set(checkList(options.methods ?? ['GET', 'HEAD'], 'methods').map((m) => m.toUpperCase()));
  const headers = checkList(options.headers ?? DEFAULT_DEDUPE_HEADERS, 'headers').map((h) => h.toLowerCase());
  if (options.key !== undefined && typeof options.key !== 'function') {
    throw new TypeError(`dedupe(): "key" must be a function (request, context) => string | undefined, got ${typeof options.key}.`);
  }
  const keyOf = options.key ?? ((request: Request, context: Context) => defaultKey(request, context, headers));
  const flights = new Map<string, Flight>();

  return {
    name: 'dedupe',
    handle(request, context, next) {
      if (!methods.has(request.method) || request.body !== null) return next(request);
      const key = keyOf(request, context);
      if (key === undefined) return next(request);
      if (typeof key !== 'string') {
        return Promise.reject(new TypeError(`dedupe(): the "key" function must return a string or undefined, got ${typeof key}.`));
      }
      const callerSignal = context.signal;
      let flight = flights.get(key);
      if (!flight) {
        flight = takeOff(request, context, next, () => flights.delete(key));
        flights.set(key, flight);
      }
      return join(flight, callerSignal);
    },
  };
}

/** Starts the shared request under its own signal; distributes clones to the waiters when it settles. */
function takeOff(request: Request, context: Context, next: Next, land: () => void): Flight {
  const controller = new AbortController();
  const waiters = new Set<Waiter>();
  // The inner chain (retry, auth...) reads context.signal after its own awaits: it stays the
  // shared signal until the flight lands, so one caller's abort never reaches the others.
  const callerSignal = context.signal;
  context.signal = controller.signal;
  let sent: Promise<Response>;
  try {
    sent = next(new Request(request, { signal: controller.signal }));
  } catch (error) {
    sent = Promise.reject(error);
  }
  sent.then(
    (response) => {
      context.signal = callerSignal;
      land();
      share(response, waiters);
    },
    (error: unknown) => {
      context.signal = callerSignal;
      land();
      for (const waiter of waiters) waiter.reject(error);
      waiters.clear();
    },
  );
  return { controller, waiters };
}

/** The last waiter gets the response itself, each other one a clone (a tee of the body). */
function share(response: Response, waiters: Set<Waiter>): void {
  const list = [...waiters];
  waiters.clear();
  if (list.length === 0) {
    // Everyone left while the headers were on their way: nobody will read the body.
    response.body?.cancel().catch(() => undefined);
    return;
  }
  const clones = list.slice(1).map(() => response.clone());
  list[0]?.resolve(response);
  clones.forEach((clone, index) => {
    list[index + 1]?.resolve(clone);
  });
}

/** Waits for the flight on behalf of one caller; the caller's abort removes only this caller. */
function join(flight: Flight, signal: AbortSignal): Promise<Response> {
  if (signal.aborted) {
    if (flight.waiters.size === 0) flight.controller.abort(signal.reason);
    return Promise.reject(signal.reason);
  }
  return new Promise<Response>((resolve, reject) => {
    const onAbort = () => {
      flight.waiters.delete(waiter);
      if (flight.waiters.size === 0) flight.controller.abort(signal.reason);
      reject(signal.reason);
    };
    const waiter: Waiter = {
      resolve(response) {
        signal.removeEventListener('abort', onAbort);
        resolve(response);
      },
      reject(error) {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    };
    flight.waiters.add(waiter);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Method, URL, the named header values and the identity of a per-request `auth` override. */
function defaultKey(request: Request, context: Context, headers: readonly string[]): string {
  const parts = [request.method, request.url];
  for (const name of headers) {
    const value = request.headers.get(name);
    parts.push(value === null ? '' : `${name}=${value}`);
  }
  // Any other header the redaction treats as secret (the client's `secrets`) is a credential too.
  for (const [name, value] of request.headers) {
    if (context.redaction.names.has(name) && !headers.includes(name)) parts.push(`${name}=${value}`);
  }
  const perRequestAuth = (context.options as { auth?: unknown }).auth;
  if (perRequestAuth !== undefined) parts.push(`auth=${identity(perRequestAuth)}`);
  return JSON.stringify(parts);
}

function identity(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  let id = objectIds.get(value);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(value, id);
  }
  return `#${id}`;
}

function checkList(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) {
    throw new TypeError(`dedupe(): "${what}" must be an array of non-empty strings, got ${JSON.stringify(value)}.`);
  }
  return value as string[];
}

const DEDUPE_KEYS: OptionKeys<DedupeOptions> = { methods: true, headers: true, key: true };
