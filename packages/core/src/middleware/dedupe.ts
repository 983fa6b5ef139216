import type { Context, Middleware, Next } from '../types/index.js';
import { checkKeys, type OptionKeys } from '../check.js';
import { CredentialWatch, NO_CREDENTIAL, UNLEARNED } from '../credential-identity.js';

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
  /** Replaces the default key (method, URL, the `headers` values and the credential identity). */
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
  /** The first caller's context: what it met (its auth) is passed on to the callers that join. */
  readonly context: Context;
  /** The first caller's credential identity, when it was not known at take-off (see {@link UNLEARNED}). */
  identity: Promise<string | undefined> | undefined;
  /** The keys the flight is listed under. */
  readonly keys: string[];
}

interface Waiter {
  resolve(response: Response): void;
  reject(error: unknown): void;
}

/** A caller's place on a flight, which it may leave before the flight lands. */
interface Ticket {
  readonly response: Promise<Response>;
  leave(): void;
}

/**
 * Shares one network request among identical GET and HEAD requests in flight at the same
 * time. Identical means the same method, URL, values of the `headers` the key names
 * (default {@link DEFAULT_DEDUPE_HEADERS}, plus any header named secret by the client's
 * `secrets`) and credential: the one of the per-request `auth` override, else the one the
 * chain's auth would attach (asked before the request is sent, so a token picked per call
 * splits callers; an auth that cannot tell never shares). A request with
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
  const userKey = options.key;
  const flights = new Map<string, Flight>();
  const watch = new CredentialWatch();

  /** The default key: the request's parts and its credential identity, resolved before it is sent. */
  async function byCredential(request: Request, context: Context, next: Next): Promise<Response> {
    const base = defaultKey(request, context, headers);
    const identity = await watch.identity(request, context);
    if (identity === undefined) return alone(request, context, next, watch);
    const key = `${base} ${identity === UNLEARNED ? '?' : JSON.stringify(identity)}`;
    const flight = flights.get(key);
    const callerSignal = context.signal; // takeOff swaps in the shared signal
    if (!flight) {
      const started = takeOff(request, context, next, flights, watch, identity === UNLEARNED);
      list(flights, started, key);
      if (started.identity) {
        // Listed under its credential too once known, for the callers that key after it.
        void started.identity.then((known) => {
          if (known !== undefined && flights.get(`${base} ${JSON.stringify(known)}`) === undefined && started.keys.length > 0) {
            list(flights, started, `${base} ${JSON.stringify(known)}`);
          }
        });
      }
      return join(started, callerSignal).response;
    }
    if (!flight.identity) return joined(join(flight, context.signal), context, flight, watch);
    // The flight left before its auth was known: wait for its credential, then join it only when it is this caller's.
    const ticket = join(flight, context.signal);
    ticket.response.catch(() => undefined);
    const theirs = await flight.identity;
    const mine = await watch.identity(request, context);
    if (context.signal.aborted) return ticket.response;
    if (typeof mine === 'string' && mine === theirs) return joined(ticket, context, flight, watch);
    ticket.leave();
    return byCredential(request, context, next);
  }

  return {
    name: 'dedupe',
    handle(request, context, next) {
      if (!methods.has(request.method) || request.body !== null) return next(request);
      if (!userKey) return byCredential(request, context, next);
      const key = userKey(request, context);
      if (key === undefined) return next(request);
      if (typeof key !== 'string') {
        return Promise.reject(new TypeError(`dedupe(): the "key" function must return a string or undefined, got ${typeof key}.`));
      }
      const callerSignal = context.signal; // takeOff swaps in the shared signal
      const flight = flights.get(key) ?? list(flights, takeOff(request, context, next, flights, watch, false), key);
      return join(flight, callerSignal).response;
    },
  };
}

function list(flights: Map<string, Flight>, flight: Flight, key: string): Flight {
  flights.set(key, flight);
  flight.keys.push(key);
  return flight;
}

/** A request that cannot be shared: sent on its own; what it meets is still learned. */
async function alone(request: Request, context: Context, next: Next, watch: CredentialWatch): Promise<Response> {
  try {
    const response = await next(request);
    watch.learn(context, true);
    return response;
  } catch (error) {
    watch.learn(context, false);
    throw error;
  }
}

/** A joined caller's response; the auth the flight met is passed on to the caller's context. */
async function joined(ticket: Ticket, context: Context, flight: Flight, watch: CredentialWatch): Promise<Response> {
  const response = await ticket.response;
  watch.vouch(context, flight.context);
  return response;
}

/**
 * Starts the shared request under its own signal; distributes clones to the waiters when it
 * settles. With `unlearned`, the flight's credential identity is taken when the chain's auth
 * announces itself on the request (in the first caller's async context), or, when the
 * request comes back without meeting an auth, is "none".
 */
function takeOff(request: Request, context: Context, next: Next, flights: Map<string, Flight>, watch: CredentialWatch, unlearned: boolean): Flight {
  const controller = new AbortController();
  const waiters = new Set<Waiter>();
  let settleIdentity: (identity: string | undefined) => void = () => undefined;
  const identity = unlearned ? new Promise<string | undefined>((resolve) => (settleIdentity = resolve)) : undefined;
  if (unlearned) {
    watch.watch(context, (source) => {
      source.credentialIdentity(request, context).then(settleIdentity, () => settleIdentity(undefined));
    });
  }
  const flight: Flight = { controller, waiters, context, identity, keys: [] };
  const land = (answered: boolean) => {
    for (const key of flight.keys) if (flights.get(key) === flight) flights.delete(key);
    flight.keys.length = 0;
    watch.learn(context, answered);
    settleIdentity(answered ? NO_CREDENTIAL : undefined); // no effect once the auth gave it
  };
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
      land(true);
      share(response, waiters);
    },
    (error: unknown) => {
      context.signal = callerSignal;
      land(false);
      for (const waiter of waiters) waiter.reject(error);
      waiters.clear();
    },
  );
  return flight;
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

/** Waits for the flight on behalf of one caller; the caller's abort (or leaving) removes only this caller. */
function join(flight: Flight, signal: AbortSignal): Ticket {
  if (signal.aborted) {
    if (flight.waiters.size === 0) flight.controller.abort(signal.reason);
    return { response: Promise.reject(signal.reason), leave: () => undefined };
  }
  let waiter: Waiter | undefined;
  let delivered: Response | undefined;
  let left = false;
  const drop = (reason: unknown) => {
    if (waiter) flight.waiters.delete(waiter);
    if (flight.waiters.size === 0) flight.controller.abort(reason);
  };
  const response = new Promise<Response>((resolve, reject) => {
    const onAbort = () => {
      drop(signal.reason);
      reject(signal.reason);
    };
    waiter = {
      resolve(value) {
        signal.removeEventListener('abort', onAbort);
        if (left) value.body?.cancel().catch(() => undefined);
        else delivered = value;
        resolve(value);
      },
      reject(error) {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    };
    flight.waiters.add(waiter);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const leave = () => {
    left = true;
    delivered?.body?.cancel().catch(() => undefined);
    if (waiter && flight.waiters.has(waiter)) drop(new DOMException('This caller left the shared request: its credential differs.', 'AbortError'));
  };
  return { response, leave };
}

/** Method, URL and the named header values (the credential identity is added by the caller). */
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
  return JSON.stringify(parts);
}

function checkList(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) {
    throw new TypeError(`dedupe(): "${what}" must be an array of non-empty strings, got ${JSON.stringify(value)}.`);
  }
  return value as string[];
}

const DEDUPE_KEYS: OptionKeys<DedupeOptions> = { methods: true, headers: true, key: true };
