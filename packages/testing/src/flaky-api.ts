import { HttpResponse, http } from 'msw';
import { type HandlerSet, seededRandom } from './handler-set.js';

/**
 * A fault {@link flakyApi} can inject:
 * - `'503'`: a `503 Service Unavailable` answer;
 * - `'reset'`: a network error (the connection is dropped, `fetch` rejects);
 * - `'timeout'`: no answer at all until the request is aborted (or `hangMs` passes);
 * - `'slow-body'`: a 200 whose headers come at once but whose body ends after `slowBodyMs`.
 *
 * @example
 * ```ts
 * const kinds: FaultKind[] = ['503', 'reset'];
 * const api = flakyApi({ seed: 3, failures: kinds.map((kind) => ({ kind, rate: 0.1 })) });
 * ```
 */
export type FaultKind = '503' | 'reset' | 'timeout' | 'slow-body';

/**
 * One fault and its probability per request.
 *
 * @example
 * ```ts
 * const fault: FlakyFailure = { kind: '503', rate: 0.2 };
 * ```
 */
export interface FlakyFailure {
  /** The fault to inject: `'503'`, `'reset'`, `'timeout'` or `'slow-body'`. */
  kind: FaultKind;
  /** Probability in `[0, 1]`; the rates of all failures add up to at most 1. */
  rate: number;
}

/**
 * Options of {@link flakyApi}.
 *
 * @example
 * ```ts
 * const options: FlakyApiOptions = { seed: 7, failures: [{ kind: 'reset', rate: 0.1 }], url: '*\/orders' };
 * ```
 */
export interface FlakyApiOptions {
  /** The seed: the same seed and the same request order give the same faults. An integer. */
  seed: number;
  /** The faults and their rates. */
  failures: readonly FlakyFailure[];
  /** The msw path the API answers (any method). Default `'*'`: every request. */
  url?: string;
  /** The answer when no fault is drawn (and the body of a slow body). Default: `200 {"ok":true}`. */
  respond?: (request: Request) => Response | Promise<Response>;
  /** How long a `'timeout'` hangs before dropping the connection. Default: until the request is aborted. */
  hangMs?: number;
  /** How long a `'slow-body'` takes to finish its body. Default `1000`. */
  slowBodyMs?: number;
  /** `Retry-After` seconds sent with a `'503'`. Default: none. */
  retryAfter?: number;
}

/**
 * What happened to one request of a {@link FlakyApi}.
 *
 * @example
 * ```ts
 * const api = flakyApi({ seed: 1, failures: [{ kind: '503', rate: 0.5 }] });
 * // ...after some requests:
 * const failed = api.outcomes.filter((outcome: FlakyOutcome) => outcome !== 'ok').length;
 * ```
 */
export type FlakyOutcome = FaultKind | 'ok';

/**
 * A flaky API (see {@link flakyApi}).
 *
 * @example
 * ```ts
 * const api: FlakyApi = flakyApi({ seed: 1, failures: [{ kind: '503', rate: 0.5 }] });
 * console.log(api.outcomes);
 * ```
 */
export interface FlakyApi extends HandlerSet {
  /** The outcome of every request so far, in arrival order. */
  readonly outcomes: readonly FlakyOutcome[];
  /** The count of each outcome so far, derived from {@link FlakyApi.outcomes} on each read. */
  readonly stats: Readonly<Record<FlakyOutcome, number>>;
  /** Restarts the random sequence from the seed and clears the outcomes. */
  reset(): void;
}

const KINDS: readonly FaultKind[] = ['503', 'reset', 'timeout', 'slow-body'];

/**
 * An API that fails deterministically: each request draws one number from a generator
 * seeded with `seed` and gets the fault whose rate band it falls in, or the normal answer.
 *
 * @example
 * ```ts
 * import { setupServer } from 'msw/node';
 * import { flakyApi } from '@sluice/testing';
 *
 * const api = flakyApi({ seed: 42, failures: [{ kind: '503', rate: 0.3 }, { kind: 'reset', rate: 0.1 }] });
 * const server = setupServer(...api.handlers);
 * server.listen({ onUnhandledFrame: 'error' });
 * ```
 */
export function flakyApi(options: FlakyApiOptions): FlakyApi {
  const { seed, failures, url = '*', respond = () => HttpResponse.json({ ok: true }), hangMs, slowBodyMs = 1000, retryAfter } = options ?? {};
  if (!Number.isInteger(seed)) throw new TypeError(`flakyApi(): "seed" must be an integer, got ${String(seed)}.`);
  if (!Array.isArray(failures)) throw new TypeError('flakyApi(): "failures" must be an array of { kind, rate }.');
  let sum = 0;
  for (const [index, failure] of failures.entries()) {
    if (!KINDS.includes(failure?.kind)) {
      throw new TypeError(`flakyApi(): failures[${index}].kind must be one of ${KINDS.map((k) => `'${k}'`).join(', ')}, got ${String(failure?.kind)}.`);
    }
    if (typeof failure.rate !== 'number' || !(failure.rate >= 0 && failure.rate <= 1)) {
      throw new TypeError(`flakyApi(): failures[${index}].rate must be a number between 0 and 1, got ${String(failure.rate)}.`);
    }
    sum += failure.rate;
  }
  if (sum > 1 + 1e-9) throw new TypeError(`flakyApi(): the failure rates add up to ${sum}, more than 1.`);
  for (const [name, value] of [['hangMs', hangMs], ['slowBodyMs', slowBodyMs], ['retryAfter', retryAfter]] as const) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
      throw new TypeError(`flakyApi(): "${name}" must be a non-negative number, got ${String(value)}.`);
    }
  }
  if (typeof respond !== 'function') throw new TypeError('flakyApi(): "respond" must be a function.');

  let random = seededRandom(seed);
  const outcomes: FlakyOutcome[] = [];

  const draw = (): FlakyOutcome => {
    const roll = random();
    let band = 0;
    for (const failure of failures) {
      band += failure.rate;
      if (roll < band) return failure.kind;
    }
    return 'ok';
  };

  const handler = http.all(url, async ({ request }) => {
    const outcome = draw();
    outcomes.push(outcome);
    switch (outcome) {
      case '503':
        return HttpResponse.json(
          { error: 'unavailable', message: 'Service Unavailable' },
          { status: 503, statusText: 'Service Unavailable', headers: retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) } },
        );
      case 'reset':
        return HttpResponse.error();
      case 'timeout':
        await hang(request.signal, hangMs);
        return HttpResponse.error();
      case 'slow-body':
        return slowBody(await respond(request), slowBodyMs);
      default:
        return respond(request);
    }
  });

  return {
    handlers: [handler],
    outcomes,
    get stats() {
      const counts: Record<FlakyOutcome, number> = { ok: 0, '503': 0, reset: 0, timeout: 0, 'slow-body': 0 };
      for (const outcome of outcomes) counts[outcome]++;
      return counts;
    },
    reset() {
      random = seededRandom(seed);
      outcomes.length = 0;
    },
  };
}

/** Resolves when `signal` aborts or after `ms` (never, when `ms` is undefined). */
function hang(signal: AbortSignal, ms: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    if (ms !== undefined) timer = setTimeout(done, ms);
  });
}

/** The same response, whose body sends its first half at once and the rest after `ms`. */
async function slowBody(response: Response, ms: number): Promise<Response> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const half = Math.floor(bytes.length / 2);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (half > 0) controller.enqueue(bytes.slice(0, half));
      timer = setTimeout(() => {
        controller.enqueue(bytes.slice(half));
        controller.close();
      }, ms);
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
    },
  });
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
