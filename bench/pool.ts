/** Small helpers shared by the benchmark sections. */
import { setTimeout as delay } from 'node:timers/promises';

/** Outcome of {@link runPool}. */
export interface PoolResult {
  done: number;
  failed: number;
  /** The first few distinct failure messages. */
  errors: string[];
  elapsedMs: number;
  /** True when the deadline stopped the run before every task finished. */
  stopped: boolean;
}

/**
 * Runs `count` tasks with at most `workers` at a time, until all finish or `deadlineMs`
 * passes (then `signal` aborts and the run stops).
 */
export async function runPool(
  count: number,
  workers: number,
  task: (index: number, signal: AbortSignal) => Promise<void>,
  deadlineMs = Number.POSITIVE_INFINITY,
): Promise<PoolResult> {
  const controller = new AbortController();
  const timer = Number.isFinite(deadlineMs) ? setTimeout(() => controller.abort(), deadlineMs) : undefined;
  const errors = new Set<string>();
  let nextIndex = 0;
  let done = 0;
  let failed = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (nextIndex < count && !controller.signal.aborted) {
      const index = nextIndex++;
      try {
        await task(index, controller.signal);
        done++;
      } catch (error) {
        if (controller.signal.aborted) break;
        failed++;
        if (errors.size < 3) errors.add(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(workers, count) }, worker));
  } finally {
    clearTimeout(timer);
  }
  return { done, failed, errors: [...errors], elapsedMs: performance.now() - started, stopped: controller.signal.aborted };
}

/** Waits `ms`; on abort it rejects with the signal's reason (the bench is Node-only). */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    throw signal.aborted ? signal.reason : error;
  }
}

/** One row of the final table. */
export interface Row {
  section: string;
  subject: string;
  figure: string;
  ratio: string;
  note?: string;
}

/** Formats a number with thousands separators and `digits` decimals. */
export function fmt(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Loads an optional module; `undefined` (with the reason) when it or an export is missing. */
export async function optional<T>(load: () => Promise<T>, ...exports: string[]): Promise<{ module?: T; missing?: string }> {
  try {
    const module = await load();
    const absent = exports.filter((name) => typeof (module as Record<string, unknown>)[name] !== 'function');
    if (absent.length) return { missing: `missing export(s): ${absent.join(', ')}` };
    return { module };
  } catch (error) {
    return { missing: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
}
