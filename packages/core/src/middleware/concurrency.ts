import type { Context, Next } from '../types/index.js';
import { heldTimeout, pastDeadline } from '../rate-limit/admission.js';
import { type ConcurrencyMiddleware, type ConcurrencyOptions, type ConcurrencyStats, validate } from './concurrency-options.js';
import { type Group, SlotTable } from './concurrency-slots.js';
import { holdUntilBodyDone } from './concurrency-body.js';

export type { ConcurrencyMiddleware, ConcurrencyOptions, ConcurrencyStats } from './concurrency-options.js';

/**
 * A FIFO semaphore holding one slot per network attempt. Placed inside `retry`, backoff
 * sleeps hold no slot. A request aborted while it queues leaves the queue at once and
 * never reaches the network; every slot is released exactly once, on every path.
 *
 * An attempt that finds a free slot and an open origin takes both at once, with no
 * promise of its own; the others wait (`concurrency-slots.ts`, and the gate).
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
  const slots = new SlotTable(limit, maxQueue, key !== undefined);

  /** Sends the attempt in the slot it holds and frees the slot once, on every path. */
  const send = (name: string, group: Group, request: Request, context: Context, next: Next): Promise<Response> => {
    let pending: Promise<Response>;
    try {
      pending = next(request);
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (response) => {
        let handedOff = false;
        try {
          context.state.admission?.settle(response); // the gate learns from it before the slot is handed on
          if (release !== 'body') return response;
          let freed = false;
          const held = holdUntilBodyDone(response, context.signal, () => {
            if (freed) return;
            freed = true;
            slots.release(name, group);
          });
          handedOff = held !== response;
          return held;
        } finally {
          if (!handedOff) slots.release(name, group);
        }
      },
      (error: unknown) => {
        slots.release(name, group);
        throw error;
      },
    );
  };

  /**
   * Takes a slot and, when the attempt must pass the rate-limit gate, passes it: first at
   * the gate (holding no slot while its origin is closed or paced), then in the slot queue,
   * then a last look at the gate when the slot comes. If the origin closed meanwhile, the
   * slot goes back to the next waiter and the attempt returns to the gate.
   */
  const admitted = async (name: string, context: Context): Promise<Group> => {
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
      const group = slots.group(name);
      const waiting = slots.acquire(name, group, context);
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
        slots.release(name, group);
        if (context.signal.aborted) throw context.signal.reason;
        throw heldTimeout(context, 'queue');
      }
      if (!admission || admission.passed || (admission.stillValid(epoch) && admission.pass())) return group;
      slots.release(name, group); // the origin closed (or its quota ran out) while this attempt queued: back to the gate
    }
  };

  const middleware: ConcurrencyMiddleware = {
    name: 'concurrency',
    stats(name?: string): ConcurrencyStats {
      return slots.stats(name);
    },
    handle(request: Request, context: Context, next: Next): Promise<Response> {
      const name = key ? groupName(key, request) : '';
      const signal = context.signal;
      if (signal.aborted) return Promise.reject(signal.reason);
      const admission = context.state.admission;
      // The fast path: a free slot, the deadline not passed, and an origin that admits the attempt right now.
      const group = pastDeadline(context) ? undefined : slots.tryTake(name);
      if (group) {
        if (!admission || admission.passed || admission.passNow?.()) return send(name, group, request, context, next);
        slots.release(name, group); // the origin holds it: wait at the gate, holding no slot
      }
      return admitted(name, context).then((group) => send(name, group, request, context, next));
    },
  };
  return middleware;
}

function groupName(key: (request: Request) => string, request: Request): string {
  const name = key(request);
  if (typeof name !== 'string') {
    throw new TypeError(`concurrency: "key" must return a string, got ${typeof name}.`);
  }
  return name;
}
