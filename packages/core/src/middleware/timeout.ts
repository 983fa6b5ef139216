import type { Context, ContextState, Middleware, Next, TimeoutOptions, TimeoutValue } from '../types/index.js';

export type { TimeoutOptions, TimeoutValue };
import { TimeoutError } from '../errors.js';
import { discard } from '../discard.js';
import { heldTimeout, passAdmission, unsentTimeout } from '../rate-limit/admission.js';
import { checkKeys } from '../check.js';
import { activeDeadlines, type Deadline, type Phase, TIMEOUT_KEYS, validate } from './timeout-options.js';

/**
 * Deadline signals made here without `AbortSignal.any`: they follow their outer signal
 * only while their layer runs, and never abort once it has settled (timers cleared,
 * forwarding removed). A layer nested inside follows one the same cheap way: the signal
 * carries its run, and the run fails the layers that follow it directly (no abort listener).
 */
const SETTLING = Symbol('sluice.timeout.settling');
/** A mark on the signal itself rather than a WeakMap entry per request (weak tables cost the GC). */
type Marked = AbortSignal & { [SETTLING]?: DeadlineRun };
const runOf = (signal: AbortSignal): DeadlineRun | undefined => (signal as Marked)[SETTLING];

/**
 * Enforces deadlines with an `AbortSignal`, combined with the caller's. A deadline runs
 * until the response headers arrive (the body is read later, under the caller's signal
 * only); when it passes, the request rejects with a {@link TimeoutError} whose `phase`
 * says which one. A caller's own abort rejects with the caller's reason, never a
 * `TimeoutError`. Timers are cleared on every path.
 *
 * Its name is `timeout.total` (only `total`), `timeout.attempt` (only `attempt`) or
 * `timeout` (both). In the standard chain the total deadline sits outside retry and the
 * attempt deadline inside it.
 *
 * @example
 * ```ts
 * const pipeline = compose([timeout({ total: 30_000 }), retry(), timeout({ attempt: 5_000 })]);
 * await pipeline('https://api.example.com/slow', { timeout: { attempt: 20_000 } });
 * ```
 */
export function timeout(options: TimeoutOptions): Middleware {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`timeout(): expected an options object such as { total: 30000 }, got ${String(options)}.`);
  }
  checkKeys('timeout()', options, TIMEOUT_KEYS);
  const phases: Phase[] = [];
  if (options.total !== undefined) phases.push('total');
  if (options.attempt !== undefined) phases.push('attempt');
  if (phases.length === 0) throw new TypeError('timeout(): give "total", "attempt" or both (in ms, or false).');
  const defaults: Record<Phase, TimeoutValue> = {
    total: options.total === undefined ? false : validate(options.total, 'timeout()', 'total'),
    attempt: options.attempt === undefined ? false : validate(options.attempt, 'timeout()', 'attempt'),
  };
  const name = phases.length === 2 ? 'timeout' : `timeout.${phases[0]}`;
  // The deadlines of a request without a `timeout` option, worked out once.
  const standing = activeDeadlines(phases, defaults, undefined);
  const attemptOnly = phases.length === 1 && phases[0] === 'attempt';

  return {
    name,
    handle(request, context, next) {
      const option = context.options.timeout;
      const active = option === undefined ? standing : activeDeadlines(phases, defaults, context);
      // An attempt deadline bounds the network attempt, not the wait at the rate-limit gate before it.
      const admission = attemptOnly ? context.state.admission : undefined;
      if (admission && !admission.passed && !admission.passNow?.()) return passAdmission(context).then(() => bounded(active, request, context, next));
      return bounded(active, request, context, next);
    },
  };
}

function bounded(active: readonly Deadline[], request: Request, context: Context, next: Next): Promise<Response> {
  return active.length === 0 ? next(request) : withDeadlines(active, request, context, next);
}

/**
 * One layer's deadlines around one call of `next`. The timers reject it directly; a
 * listener is added only when the outer signal can still abort (a caller's signal, or an
 * enclosing deadline that this layer follows by hand).
 */
class DeadlineRun {
  readonly #controller = new AbortController();
  signal: AbortSignal;
  readonly context: Context;
  readonly #outer: AbortSignal;
  /** The timers of this layer's deadlines: one, or two when it has both phases (no array per run). */
  #timer: ReturnType<typeof setTimeout> | undefined;
  #secondTimer: ReturnType<typeof setTimeout> | undefined;
  /** The enclosing run this one follows by hand, while it runs. */
  #parent: DeadlineRun | undefined;
  /** The runs nested inside that follow this one (usually one at a time). */
  #children: DeadlineRun[] | undefined;
  #onAbort: (() => void) | undefined;
  #settled = false;
  #total = false;
  #enclosing: ContextState['deadline'];
  readonly #resolve: (response: Response) => void;
  readonly #reject: (reason: unknown) => void;

  constructor(context: Context, outer: AbortSignal, request: Request, resolve: (response: Response) => void, reject: (reason: unknown) => void) {
    this.context = context;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#outer = outer;
    // `AbortSignal.any` is needed only when the outer signal may still abort after this layer
    // (the caller's own signal can abort while the body is read). A signal that cannot, the
    // request's own when the caller gave none or an enclosing deadline's, is followed by
    // hand while this layer runs.
    const own = this.#controller.signal;
    const parent = runOf(outer);
    if (parent || (context.callerSignal === undefined && outer === request.signal)) {
      // Nothing can abort the outer signal, or only the enclosing run, which fails this one directly.
      this.signal = own;
      (own as Marked)[SETTLING] = this;
      if (parent) {
        this.#parent = parent;
        parent.#children ??= [];
        parent.#children.push(this);
      }
    } else {
      this.signal = AbortSignal.any([outer, own]);
      this.#onAbort = () => this.fail(this.signal.reason);
      this.signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  arm(deadlines: readonly Deadline[]): void {
    const state = this.context.state;
    for (const deadline of deadlines) {
      const [phase, ms] = deadline;
      if (phase === 'total') {
        // The total deadline, for the gate and the queue to read (the nearest one wins).
        this.#total = true;
        this.#enclosing = state.deadline;
        const at = Date.now() + ms;
        if (!this.#enclosing || at < this.#enclosing.at) state.deadline = { at, totalMs: ms, unsent: unsentTimeout };
      }
      // Two arguments at most: more make Node copy `arguments` for every timer.
      const timer = setTimeout(expire, ms, this, deadline);
      if (this.#timer === undefined) this.#timer = timer;
      else this.#secondTimer = timer;
    }
  }

  follow(pending: Promise<Response>): void {
    pending.then(
      (response) => {
        if (this.#finish()) this.#resolve(response);
        else discard(response); // a late response nobody will read: release its connection
      },
      (error: unknown) => {
        if (this.#finish()) this.#reject(error);
      },
    );
  }

  /** Aborts the attempt with `reason` and rejects with it (once). */
  fail(reason: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
    const children = this.#children;
    if (children) for (const child of [...children]) child.fail(reason); // as an abort listener on this signal would
    if (!this.#finish()) return;
    this.#reject(reason);
  }

  /** Releases the timers and listeners and restores the outer signal; false when already done. */
  #finish(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#secondTimer !== undefined) clearTimeout(this.#secondTimer);
    const siblings = this.#parent ? this.#parent.#children : undefined;
    if (siblings) {
      const index = siblings.indexOf(this);
      if (index >= 0) siblings.splice(index, 1);
    }
    if (this.#onAbort) this.signal.removeEventListener('abort', this.#onAbort);
    if (this.#total) {
      if (this.#enclosing) this.context.state.deadline = this.#enclosing;
      else this.context.state.deadline = undefined;
    }
    this.context.signal = this.#outer;
    return true;
  }
}

function expire(run: DeadlineRun, [phase, ms]: Deadline): void {
  run.fail(timeoutError(phase, ms, run.context));
}

function withDeadlines(
  deadlines: readonly Deadline[],
  request: Request,
  context: Context,
  next: (request: Request) => Promise<Response>,
): Promise<Response> {
  const outer = context.signal;
  if (outer.aborted) return Promise.reject(outer.reason);
  return new Promise<Response>((resolve, reject) => {
    const run = new DeadlineRun(context, outer, request, resolve, reject);
    if (run.signal.aborted) {
      run.fail(run.signal.reason);
      return;
    }
    run.arm(deadlines);
    context.signal = run.signal;
    let pending: Promise<Response>;
    try {
      pending = next(request);
    } catch (error) {
      pending = Promise.reject(error);
    }
    run.follow(pending);
  });
}

function timeoutError(phase: Phase, ms: number, context: Context): TimeoutError {
  const held = context.state.waitingAt;
  if (phase === 'total' && held) return heldTimeout(context, held, ms);
  return new TimeoutError(phase, ms, {
    correlationId: context.correlationId,
    message: `The ${phase} timeout of ${ms} ms elapsed before the response headers of ${context.method} ${context.redaction.url(context.url)} arrived`,
  });
}

