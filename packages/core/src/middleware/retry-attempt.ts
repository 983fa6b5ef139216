import type { Context, Next } from '../types/index.js';
import type { Settings } from './retry-settings.js';
import { MAX_TIMER_MS } from '../timer-limit.js';
import { canReplay, cloneForReplay } from '../replay.js';
import type { RetryCostKind } from '../retry/budget.js';
import { createAdmission, type GateAdmission, type WaitBound } from '../rate-limit/admission.js';
import { serverDelay } from '../retry/retry-after.js';
import { discard } from '../discard.js';
import {
  askRetryOn,
  classify,
  freshCopy,
  KEYED_METHODS,
  notIdempotent,
  originOf,
  rateLimitError,
  SERVER_DELAY_STATUSES,
} from './retry-decide.js';

/*
 * Internal: one logical request through the retry middleware. The first attempt goes out
 * inline (no async function, no promise but `next`'s own); a response that needs no
 * decision (its status is not retried, no `retryOn`) is returned from one `.then`. Any
 * other outcome goes to the retry loop.
 */

type AttemptResult = { response: Response; error?: undefined } | { response?: undefined; error: unknown };

/** Sends `request` through retry's settings `s`: the first attempt now, the loop only when it is needed. */
export function retryRequest(s: Settings, request: Request, context: Context, next: Next): Promise<Response> {
  return new RetryRun(s, request, context, next).start();
}

class RetryRun implements WaitBound {
  readonly #s: Settings;
  readonly #request: Request;
  readonly #context: Context;
  readonly #next: Next;
  readonly #method: string;
  readonly #methodRetryable: boolean;
  readonly #replayable: boolean;
  readonly #origin: string;
  readonly #deadline: number;
  /** Whether any attempt after the first can happen at all (a request that never is, is never copied). */
  readonly #mayReplay: boolean;
  /** A body-less request's headers before its first attempt, so that a retry starts from them even if an inner middleware edited them. */
  readonly #headersBefore: Array<[string, string]> | undefined;

  constructor(s: Settings, request: Request, context: Context, next: Next) {
    this.#s = s;
    this.#request = request;
    this.#context = context;
    this.#next = next;
    const method = request.method.toUpperCase();
    this.#method = method;
    if (s.idempotencyKey && KEYED_METHODS.has(method) && !request.headers.has('idempotency-key')) {
      request.headers.set('idempotency-key', crypto.randomUUID());
    }
    this.#methodRetryable = s.methods.has(method) || (KEYED_METHODS.has(method) && request.headers.has('idempotency-key'));
    this.#replayable = canReplay(request, context);
    this.#origin = originOf(request.url);
    this.#deadline = s.clock() + s.maxElapsed;
    // Only a retryable method (or a retryOn that may force one) is ever sent twice.
    this.#mayReplay = this.#replayable && s.limit > 0 && (this.#methodRetryable || s.retryOn !== undefined);
    this.#headersBefore = this.#mayReplay && request.body === null ? [...request.headers] : undefined;
  }

  /** The first attempt, inline; the loop only for an outcome that needs a decision. */
  start(): Promise<Response> {
    const context = this.#context;
    // A request with a body that may be replayed goes out as a copy from the first attempt on (see `#send`).
    if (this.#mayReplay && !this.#headersBefore) return this.#loop(1, undefined);
    context.attempt = 1;
    if (context.signal.aborted) return Promise.reject(context.signal.reason);
    const admission = this.#admit();
    let pending: Promise<Response>;
    try {
      pending = this.#next(this.#request);
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (response) => {
        this.#answered(response, admission);
        return this.#settled(response) ?? this.#loop(1, { response });
      },
      (error: unknown) => {
        this.#failed(error, admission);
        return this.#loop(1, { error });
      },
    );
  }

  /** The gate's admission for this attempt (passed right before the wire, after any concurrency queue: see admission.ts). */
  #admit(): GateAdmission | undefined {
    const gate = this.#s.gate;
    const admission = gate ? createAdmission(gate, this.#origin, this, this.#context) : undefined;
    this.#context.state.admission = admission;
    return admission;
  }

  /** The ms an attempt may still wait at the gate: until retry's deadline or the total one, whichever is first. */
  maxWait(): number {
    const total = this.#context.state.deadline;
    const own = this.#deadline - this.#s.clock();
    return total === undefined ? own : Math.min(own, total.at - Date.now());
  }

  /** The response itself when no rule could retry it (the common case); `undefined` when the loop must decide. */
  #settled(response: Response): Response | undefined {
    const s = this.#s;
    if ((s.retryOn && s.limit >= 1) || s.statuses.has(response.status)) return undefined;
    if (response.ok) s.budget?.recordSuccess();
    return response;
  }

  /** Feeds an attempt's response to the gate (unless the concurrency slot did already). */
  #answered(response: Response, admission: GateAdmission | undefined): void {
    if (!admission?.settled) this.#s.gate?.observe(this.#origin, response, admission?.ticket);
  }

  /** Feeds an attempt's failure to the gate. */
  #failed(error: unknown, admission: GateAdmission | undefined): void {
    const gate = this.#s.gate;
    if (!gate) return;
    if (!this.#context.signal.aborted && classify(error, this.#context)) gate.observe(this.#origin, undefined, admission?.ticket);
    else if (admission?.ticket) gate.observe(this.#origin, undefined, admission.ticket); // sent, never answered
  }

  /** One network attempt after the first (or a first that goes as a copy). */
  async #send(attempt: number): Promise<AttemptResult> {
    const context = this.#context;
    context.attempt = attempt;
    context.signal.throwIfAborted();
    const admission = this.#admit();
    const request = this.#request;
    try {
      const outgoing =
        !this.#mayReplay || (this.#headersBefore && attempt === 1)
          ? request
          : this.#headersBefore
            ? freshCopy(request, this.#headersBefore)
            : await cloneForReplay(request, context, 'retry');
      const response = await this.#next(outgoing);
      this.#answered(response, admission);
      return { response };
    } catch (error) {
      this.#failed(error, admission);
      return { error };
    }
  }

  /** The retry loop from `attempt` on, given that attempt's outcome when it is known already. */
  async #loop(first: number, known: AttemptResult | undefined): Promise<Response> {
    const s = this.#s;
    const context = this.#context;
    const method = this.#method;
    const origin = this.#origin;
    const deadline = this.#deadline;
    let outcome = known;
    for (let attempt = first; ; attempt++) {
      const { response, error } = outcome ?? (await this.#send(attempt));
      outcome = undefined;
      const stop = (note?: string): Response => {
        if (note) context.state.retryStopped = note;
        if (response) {
          if (attempt === 1 && response.ok) s.budget?.recordSuccess();
          return response;
        }
        throw error;
      };

      // What failed, and is it the kind of failure we retry? Whatever throws here (retryOn,
      // backoff, a RateLimitError) leaves the response unreturned: its body is cancelled.
      let kind: RetryCostKind;
      let reason: string;
      let fromServer: number | undefined;
      let delay: number;
      try {
        if (response) {
          const forced = attempt <= s.limit && s.retryOn ? await askRetryOn(s.retryOn, response, context) : undefined;
          if (forced === false) return stop();
          if (forced === undefined) {
            if (!s.statuses.has(response.status)) return stop();
            if (!this.#methodRetryable) return stop(notIdempotent(method));
          }
          kind = 'response';
          reason = forced ? `retryOn asked for a retry (status ${response.status})` : `status ${response.status}`;
        } else {
          const failure = classify(error, context);
          if (!failure) return stop();
          if (!this.#methodRetryable) return stop(notIdempotent(method));
          kind = failure.kind;
          reason = failure.reason;
        }

        if (attempt > s.limit) return stop();
        if (!this.#replayable) {
          return stop(`not retried: the request body is a one-shot stream; pass a "bodyFactory" option to make it replayable`);
        }

        // How long to wait: the server's delay on 429/503, else the backoff schedule.
        const now = s.clock();
        const remaining = deadline - now;
        fromServer = response && SERVER_DELAY_STATUSES.has(response.status) ? serverDelay(response.headers, now) : undefined;
        // A server that announces its quota told us when its window resets, finer than a whole-second Retry-After.
        const announced = fromServer === undefined ? undefined : s.gate?.announcedReset?.(origin);
        if (fromServer !== undefined && announced !== undefined) fromServer = Math.min(fromServer, announced);
        if (fromServer !== undefined && response) {
          if (fromServer > s.maxRetryAfter) {
            throw await rateLimitError(
              response,
              context,
              fromServer,
              `not retried: the server asked to wait ${fromServer} ms, more than maxRetryAfter (${s.maxRetryAfter} ms)`,
            );
          }
          if (fromServer >= remaining) {
            throw await rateLimitError(
              response,
              context,
              fromServer,
              `not retried: the server asked to wait ${fromServer} ms, past the maxElapsed deadline (${Math.max(0, Math.round(remaining))} ms left of ${s.maxElapsed} ms)`,
            );
          }
          delay = fromServer;
        } else {
          delay = s.backoff(attempt, context);
          if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0 || delay > MAX_TIMER_MS) {
            throw new TypeError(`retry: "backoff" must return a finite number of ms ≥ 0, got ${String(delay)} for retry ${attempt} (at most ${MAX_TIMER_MS}, the longest timer).`);
          }
          const gateWait = s.gate ? s.gate.closedFor(origin) : 0;
          if (Math.max(delay, gateWait) >= remaining) {
            return stop(`retry stopped: the maxElapsed budget of ${s.maxElapsed} ms would run out before the next attempt`);
          }
        }

        // The budget charges storms, not pacing: a retry that waits for the server's own delay costs nothing.
        if (s.budget && fromServer === undefined && !s.budget.tryWithdraw(kind)) {
          return stop(`retry budget exhausted (${s.budget.available} of ${s.budget.capacity} tokens left)`);
        }
      } catch (thrown) {
        if (response) discard(response);
        throw thrown;
      }

      context.emit({ type: 'retry', reason, delayMs: delay });
      if (response) discard(response);
      // The gate holds every request to this origin for the server's delay; wait only for what it does not cover.
      const ownWait = fromServer !== undefined && s.gate ? Math.max(0, delay - s.gate.closedFor(origin)) : delay;
      if (ownWait > 0) await s.sleep(ownWait, context.signal);
      context.signal.throwIfAborted();
    }
  }
}
