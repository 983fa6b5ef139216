import type { Context, Middleware, Next } from '../types/index.js';
import { QueueFullError } from '../errors.js';
import { heldTimeout, pastDeadline } from '../rate-limit/admission.js';
import { checkKeys, checkNumber, checkOneOf, type OptionKeys } from '../check.js';

/**
 * Options of {@link concurrency}.
 *
 * @example
 * ```ts
 * const options: ConcurrencyOptions = { limit: 8, key: (request) => new URL(request.url).origin, maxQueue: 100 };
 * ```
 */
export interface ConcurrencyOptions {
  /** Most network attempts in flight at once (per key). A positive integer. */
  limit: number;
  /**
   * Splits requests into groups that each get their own `limit` and queue, e.g. one per
   * origin. Default: one group for every request.
   */
  key?: (request: Request) => string;
  /**
   * Most requests waiting for a slot (per key). When the queue is full, a new request
   * fails at once with {@link QueueFullError}. Default: unbounded.
   */
  maxQueue?: number;
  /**
   * When a slot is freed: `'headers'` (default) as soon as the response headers arrive;
   * `'body'` once the response body is fully read, errors or is cancelled, so streamed
   * downloads count against the limit. With `'body'`, always read or cancel the body.
   */
  release?: 'headers' | 'body';
}

/**
 * What {@link ConcurrencyMiddleware.stats} reports.
 *
 * @example
 * ```ts
 * const limiter = concurrency({ limit: 4, key: (request) => new URL(request.url).origin });
 * const stats: ConcurrencyStats = limiter.stats('https://api.example.com');
 * if (stats.queued > 50) console.warn('api.example.com is backed up', stats);
 * ```
 */
export interface ConcurrencyStats {
  /** Slots in use: attempts on the network (or bodies still held with `release: 'body'`). */
  inFlight: number;
  /** Requests waiting for a slot. */
  queued: number;
}

/**
 * The concurrency middleware, with introspection.
 *
 * @example
 * ```ts
 * const limiter = concurrency({ limit: 4 });
 * const { inFlight, queued } = limiter.stats();
 * ```
 */
export interface ConcurrencyMiddleware extends Middleware {
  /** Slots in use and requests queued for `key`, or summed over every key when omitted. */
  stats(key?: string): ConcurrencyStats;
}

interface Waiter {
  grant(): void;
  /** Whether the waiter's total deadline has passed (it must not be dispatched). */
  expired(): boolean;
  /** Settles the waiter with its TimeoutError. */
  expire(): void;
}

interface Group {
  inFlight: number;
  /** FIFO: a Set keeps insertion order and removes an aborted waiter in O(1). */
  readonly queue: Set<Waiter>;
}

/** Statuses whose responses never carry a body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * A FIFO semaphore holding one slot per network attempt. Placed inside `retry`, backoff
 * sleeps hold no slot. A request aborted while it queues leaves the queue at once and
 * never reaches the network; every slot is released exactly once, on every path.
 *
 * @example
 * ```ts
 * const pipeline = compose([
 *   retry(),
 *   concurrency({ limit: 10, key: (request) => new URL(request.url).origin, maxQueue: 1_000 }),
 * ]);
 * ```
 */
export function concurrency(options: ConcurrencyOptions): ConcurrencyMiddleware {
  const { limit, key, maxQueue = Number.POSITIVE_INFINITY, release = 'headers' } = validate(options);
  const groups = new Map<string, Group>();

  const groupFor = (name: string): Group => {
    let group = groups.get(name);
    if (!group) {
      group = { inFlight: 0, queue: new Set() };
      groups.set(name, group);
    }
    return group;
  };

  /** Frees one slot: hands it to the oldest waiter still within its deadline, or drops the count. */
  const releaseSlot = (name: string, group: Group): void => {
    for (const waiter of group.queue) {
      group.queue.delete(waiter);
      if (waiter.expired()) {
        waiter.expire();
        continue;
      }
      waiter.grant();
      return;
    }
    group.inFlight--;
    if (group.inFlight === 0 && groups.get(name) === group) groups.delete(name);
  };

  /** Takes a slot now, or returns the promise of one (FIFO); throws when the queue is full. */
  const acquire = (name: string, group: Group, context: Context): Promise<void> | undefined => {
    const signal = context.signal;
    if (group.inFlight < limit) {
      group.inFlight++;
      return undefined;
    }
    if (group.queue.size >= maxQueue) {
      const label = key ? ` for key "${name}"` : '';
      throw new QueueFullError(
        `Concurrency queue is full${label}: ${group.inFlight} of ${limit} slots in use and ${group.queue.size} of maxQueue ${maxQueue} requests waiting.`,
      );
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        group.queue.delete(waiter);
        if (group.inFlight === 0 && group.queue.size === 0 && groups.get(name) === group) groups.delete(name);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        grant() {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        expired: () => pastDeadline(context),
        expire() {
          signal.removeEventListener('abort', onAbort);
          reject(heldTimeout(context, 'queue'));
        },
      };
      group.queue.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  };

  const middleware: ConcurrencyMiddleware = {
    name: 'concurrency',
    stats(name?: string): ConcurrencyStats {
      if (name !== undefined) {
        const group = groups.get(name);
        return { inFlight: group?.inFlight ?? 0, queued: group?.queue.size ?? 0 };
      }
      let inFlight = 0;
      let queued = 0;
      for (const group of groups.values()) {
        inFlight += group.inFlight;
        queued += group.queue.size;
      }
      return { inFlight, queued };
    },
    async handle(request: Request, context: Context, next: Next): Promise<Response> {
      const name = key ? groupName(key, request) : '';
      if (context.signal.aborted) throw context.signal.reason;
      const group = await admitted(name, context);
      // The slot is ours from here.
      let settled = false;
      const free = (): void => {
        if (settled) return;
        settled = true;
        releaseSlot(name, group);
      };
      let handedOff = false;
      try {
        const response = await next(request);
        context.state.admission?.settle(response); // the gate learns from it before the slot is handed on
        if (release === 'body') {
          const held = holdUntilBodyDone(response, context.signal, free);
          handedOff = held !== response;
          return held;
        }
        return response;
      } finally {
        if (!handedOff) free();
      }
    },
  };

  /**
   * Takes a slot and, when the attempt must pass the rate-limit gate, passes it: first at
   * the gate (holding no slot while its origin is closed or paced), then in the slot queue,
   * then a last look at the gate when the slot comes. If the origin closed meanwhile, the
   * slot goes back to the next waiter and the attempt returns to the gate.
   */
  async function admitted(name: string, context: Context): Promise<Group> {
    const admission = context.state.admission;
    for (;;) {
      let epoch = 0;
      if (admission && !admission.passed) {
        context.state.waitingAt = 'gate';
        try {
          epoch = await admission.wait(context.signal);
        } finally {
          context.state.waitingAt = undefined;
        }
      }
      const group = groupFor(name);
      const waiting = acquire(name, group, context);
      if (waiting) {
        context.state.waitingAt = 'queue';
        try {
          await waiting;
        } finally {
          context.state.waitingAt = undefined;
        }
      }
      // Granted just as the caller aborted or the deadline passed: give the slot back, never reach the network.
      if (context.signal.aborted || pastDeadline(context)) {
        releaseSlot(name, group);
        if (context.signal.aborted) throw context.signal.reason;
        throw heldTimeout(context, 'queue');
      }
      if (!admission || admission.passed || (admission.stillValid(epoch) && admission.pass())) return group;
      releaseSlot(name, group); // the origin closed (or its quota ran out) while this attempt queued: back to the gate
    }
  }

  return middleware;
}

function groupName(key: (request: Request) => string, request: Request): string {
  const name = key(request);
  if (typeof name !== 'string') {
    throw new TypeError(`concurrency: "key" must return a string, got ${typeof name}.`);
  }
  return name;
}

/**
 * Returns a response whose body frees the slot once it is read to the end, errors, is
 * cancelled, or the signal aborts. A response without a body is returned as is.
 */
function holdUntilBodyDone(response: Response, signal: AbortSignal, free: () => void): Response {
  const body = response.body;
  if (body === null || NULL_BODY_STATUSES.has(response.status)) return response;
  const reader = body.getReader();
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
  const finish = (): void => {
    signal.removeEventListener('abort', onAbort);
    free();
  };
  const onAbort = (): void => {
    finish();
    controllerRef?.error(signal.reason);
    reader.cancel(signal.reason).catch(() => {});
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controllerRef = controller;
      },
      async pull(controller) {
        try {
          const chunk = await reader.read();
          if (chunk.done) {
            finish();
            controller.close();
          } else {
            controller.enqueue(chunk.value);
          }
        } catch (error) {
          finish();
          controller.error(error);
        }
      },
      async cancel(reason) {
        finish();
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const wrapped = new Response(stream, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(wrapped, 'url', { value: response.url });
  Object.defineProperty(wrapped, 'redirected', { value: response.redirected });
  return wrapped;
}

function validate(options: ConcurrencyOptions): ConcurrencyOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('concurrency: options are required, e.g. concurrency({ limit: 8 }).');
  }
  checkKeys('concurrency', options, CONCURRENCY_KEYS);
  const { limit, key, maxQueue, release } = options;
  if (limit !== Number.POSITIVE_INFINITY) checkNumber('concurrency', 'limit', limit, { integer: true, min: 1 });
  if (key !== undefined && typeof key !== 'function') {
    throw new TypeError(`concurrency: "key" must be a function (request) => string, got ${typeof key}.`);
  }
  if (maxQueue !== undefined && maxQueue !== Number.POSITIVE_INFINITY) checkNumber('concurrency', 'maxQueue', maxQueue, { integer: true });
  if (release !== undefined) checkOneOf('concurrency', 'release', release, ['headers', 'body']);
  return options;
}

/** Every key of {@link ConcurrencyOptions}. */
const CONCURRENCY_KEYS: OptionKeys<ConcurrencyOptions> = { limit: true, key: true, maxQueue: true, release: true };
