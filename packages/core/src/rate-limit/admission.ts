import type { AttemptAdmission, Context } from '../types/index.js';
import { TimeoutError } from '../errors.js';
import { ADMIT_NOW, type FastGate, type RateGate } from './gate-types.js';
import type { SentTicket } from './quota-ledger.js';

/** An admission with the ticket of the attempt it let through (read by retry for `observe`). */
export interface GateAdmission extends AttemptAdmission {
  readonly ticket: SentTicket | undefined;
  /** Whether {@link AttemptAdmission.settle} has fed the response to the gate already. */
  readonly settled: boolean;
}

/** What bounds an attempt's wait at the gate: an object with `maxWait()` (one per request, no closure per attempt). */
export interface WaitBound {
  maxWait(): number;
}

/**
 * The admission of one attempt to `origin` through `gate`. `maxWait()` (a function, or an
 * object's `maxWait` method) gives the ms the request may still wait (its deadlines), read
 * each time it starts waiting.
 */
export function createAdmission(gate: RateGate, origin: string, maxWait: (() => number) | WaitBound, context: Context): GateAdmission {
  return new Admission(gate, origin, typeof maxWait === 'function' ? { maxWait } : maxWait, context);
}

/** One object per attempt, its methods on the prototype: an attempt that passes at once allocates nothing else. */
class Admission implements GateAdmission {
  ticket: SentTicket | undefined = undefined;
  settled = false;
  readonly #gate: RateGate;
  readonly #origin: string;
  readonly #bound: WaitBound;
  readonly #context: Context;

  constructor(gate: RateGate, origin: string, bound: WaitBound, context: Context) {
    this.#gate = gate;
    this.#origin = origin;
    this.#bound = bound;
    this.#context = context;
  }

  get passed(): boolean {
    return this.ticket !== undefined;
  }

  settle(response: Response | undefined): void {
    if (this.settled || this.ticket === undefined || response === undefined) return;
    this.settled = true;
    this.#gate.observe(this.#origin, response, this.ticket);
  }

  passNow(): boolean {
    const gate = this.#gate as Partial<FastGate>;
    const admitNow = gate[ADMIT_NOW];
    if (admitNow === undefined || this.#bound.maxWait() <= 0) return false;
    this.ticket = admitNow.call(gate, this.#origin);
    return this.ticket !== undefined;
  }

  async wait(signal: AbortSignal): Promise<number> {
    const context = this.#context;
    const started = performance.now();
    try {
      await this.#gate.acquire(this.#origin, signal, this.#bound.maxWait());
      const waitedMs = performance.now() - started;
      if (waitedMs >= 1) context.emit({ type: 'gateHold', key: this.#origin, waitedMs });
    } catch (error) {
      // The total deadline ran out at the gate: say so, as the total timeout itself does.
      if (error instanceof TimeoutError && pastDeadline(context)) throw heldTimeout(context, 'gate');
      throw error;
    }
    return this.#gate.epoch?.(this.#origin) ?? 0;
  }

  stillValid(epoch: number): boolean {
    // A gate without epochs (a custom one) is trusted when its acquire resolves.
    return (this.#gate.epoch?.(this.#origin) ?? 0) === epoch;
  }

  pass(): boolean {
    this.ticket = this.#gate.ticket ? this.#gate.ticket(this.#origin) : { seq: 0, at: Date.now() };
    return this.ticket !== undefined;
  }
}

/**
 * Passes the current attempt's admission, if it has one still to pass: waits at the gate
 * (holding no slot), and once through, sends at once. Used where no concurrency queue
 * stands between the gate and the wire (the attempt timeout, the terminal fetch).
 */
export async function passAdmission(context: Context): Promise<void> {
  const admission = context.state.admission;
  if (!admission || admission.passed || admission.passNow?.()) return;
  for (;;) {
    context.state.waitingAt = 'gate';
    let epoch: number;
    try {
      epoch = await admission.wait(context.signal);
    } finally {
      context.state.waitingAt = undefined;
    }
    context.signal.throwIfAborted();
    if (admission.stillValid(epoch) && admission.pass()) return;
  }
}

/** Whether the request's total deadline has passed (the clock is read only when there is one). */
export function pastDeadline(context: Context): boolean {
  const deadline = context.state.deadline;
  return deadline !== undefined && Date.now() >= deadline.at;
}

/** The TimeoutError of a request whose deadline passed while it was held, never sent. */
export function heldTimeout(context: Context, where: 'queue' | 'gate', totalMs = context.state.deadline?.totalMs): TimeoutError {
  const place = where === 'queue' ? 'in the concurrency queue' : 'at the rate-limit gate';
  const ms = Math.max(0, Math.round(totalMs ?? 0));
  return new TimeoutError('total', ms, {
    correlationId: context.correlationId,
    message: `The total timeout of ${ms} ms elapsed while ${context.method} ${context.redaction.url(context.url)} waited ${place}; ${
      context.attempt > 1 ? `attempt ${context.attempt} never left the ${where} (the earlier ones were sent)` : `it never left the ${where} and was not sent`
    }`,
  });
}

/** The TimeoutError of an attempt whose total deadline passed just before it would have been sent. */
export function unsentTimeout(context: Context): TimeoutError {
  const ms = Math.max(0, Math.round(context.state.deadline?.totalMs ?? 0));
  return new TimeoutError('total', ms, {
    correlationId: context.correlationId,
    message: `The total timeout of ${ms} ms elapsed before ${context.method} ${context.redaction.url(context.url)} was sent; it was not sent`,
  });
}
