import type { Context, Middleware, Next } from '../types/index.js';
import { checkKeys, type OptionKeys } from '../check.js';
import { CredentialWatch, UNLEARNED } from '../credential-identity.js';
import { alone, type Flight, join, joined, list, takeOff } from './dedupe-flight.js';

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
export const DEFAULT_DEDUPE_HEADERS: readonly string[] = /* @__PURE__ */ Object.freeze([
  'accept',
  'accept-encoding',
  'authorization',
  'cookie',
  'proxy-authorization',
  'api-key',
  'x-api-key',
]);

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
  async function byCredential(request: Request, context: Context, next: Next, known?: string): Promise<Response> {
    const base = defaultKey(request, context, headers);
    const identity = known ?? (await watch.identity(request, context));
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
    return byCredential(request, context, next, typeof mine === 'string' ? mine : undefined);
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
