import type { Context, Next } from '../types/index.js';
import { type CredentialWatch, NO_CREDENTIAL } from '../credential-identity.js';

// The flights of dedupe (one shared network request each) and the callers on them.

/** One shared network request and the callers still waiting for it. */
export interface Flight {
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
export interface Ticket {
  readonly response: Promise<Response>;
  leave(): void;
}

export function list(flights: Map<string, Flight>, flight: Flight, key: string): Flight {
  flights.set(key, flight);
  flight.keys.push(key);
  return flight;
}

/** A request that cannot be shared: sent on its own; what it meets is still learned. */
export async function alone(request: Request, context: Context, next: Next, watch: CredentialWatch): Promise<Response> {
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
export async function joined(ticket: Ticket, context: Context, flight: Flight, watch: CredentialWatch): Promise<Response> {
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
export function takeOff(request: Request, context: Context, next: Next, flights: Map<string, Flight>, watch: CredentialWatch, unlearned: boolean): Flight {
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
export function join(flight: Flight, signal: AbortSignal): Ticket {
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
