import { createHook } from 'node:async_hooks';
import type { ConcurrencyStats } from '@sluice/core';
import { type ClientOptions, createClient, type SluiceClient } from 'sluice';
import { type FaultServer, startFaultServer } from './fault-server.js';

/** The size of a run: how many requests per fault, and the deadlines they run under. */
export interface RunSize {
  readonly requests: number;
  readonly concurrency: number;
  readonly attempt: number;
  readonly total: number;
  readonly baseDelay: number;
  readonly maxDelay: number;
  readonly tokenTimeout: number;
  /** How long the server holds a request that must stay in flight for a while. */
  readonly hold: number;
}

/**
 * `npm test`: 100 requests per fault. The deadlines are wider than the soak's, so that a
 * loaded 2-core CI machine does not turn slow answers into attempt timeouts (and retries);
 * the faults that hang start all their requests at once, so that the run stays short.
 */
export const CI_SIZE: RunSize = { requests: 100, concurrency: 32, attempt: 1_000, total: 4_000, baseDelay: 20, maxDelay: 100, tokenTimeout: 300, hold: 100 };
/** `npm run soak`: 1,000 requests per fault at the deadlines (attempt 500 ms, total 3 s). */
export const SOAK_SIZE: RunSize = { ...CI_SIZE, requests: 1_000, attempt: 500, total: 3_000 };

/** What one logical request of a fault gets. */
export interface Call {
  readonly client: SluiceClient;
  readonly index: number;
  /** Sent as `x-fault-id`: the server counts attempts by it. */
  readonly id: string;
  readonly signal: AbortSignal;
  /** Aborts this request now (recorded, so that later sends count as "sent after abort"). */
  abort(): void;
  readonly headers: Record<string, string>;
}

/** Everything a fault's setup can use. */
export interface FaultEnv {
  readonly size: RunSize;
  readonly server: FaultServer;
  /** A second server: another origin, for cross-origin redirects. */
  readonly other: FaultServer;
  /** Aborts the request with this fault id (for faults that abort on a server event). */
  abortById(id: string): void;
}

/** One fault of the suite. */
export interface Fault {
  readonly name: string;
  /** Binds the server behaviours and returns client options to add (or nothing). */
  // biome-ignore lint/suspicious/noConfusingVoidType: a setup that only binds behaviours returns nothing.
  setup(env: FaultEnv): Partial<ClientOptions> | void;
  /** One logical request: resolves with whatever it read, or rejects. */
  call(call: Call, env: FaultEnv): Promise<unknown>;
  /** Outcomes allowed, by error name (`ok` for success). */
  readonly outcomes: readonly string[];
  /** Start every request at once (default: `concurrency` callers, one request each at a time). */
  readonly burst?: boolean;
  /** Most requests one logical request may put on the server. */
  readonly maxAttempts: number;
  /** Extra time the bound allows beyond the total deadline (a slow body, a token call). */
  extraMs?(size: RunSize): number;
  /** Fault-specific checks; returns the problems found. */
  verify?(row: FaultRow, env: FaultEnv, outcomes: readonly string[]): string[];
}

/** One row of the soak table. */
export interface FaultRow {
  fault: string;
  requests: number;
  /** Requests that settled exactly once. */
  settled: number;
  /** How many settled more than once (must be 0). */
  settledTwice: number;
  outcomes: Map<string, number>;
  /** Most requests one logical request put on the server, not counting retries after an attempt timeout. */
  maxAttempts: number;
  /** Retries after an attempt timeout (a loaded machine), over all requests. */
  timeoutRetries: number;
  maxMs: number;
  boundMs: number;
  unhandled: number;
  warnings: string[];
  leftovers: string[];
  sentAfterAbort: number;
  slotsAtEnd: number;
  problems: string[];
}

/** Handle types a fault may leave behind: timers, sockets, servers. */
const TRACKED = new Set(['Timeout', 'Immediate', 'TCPWRAP', 'TCPSERVERWRAP', 'HTTPINCOMINGMESSAGE', 'HTTPCLIENTREQUEST']);

/**
 * Records the handles created while a fault runs and still alive (and holding the event
 * loop open) at the end: precise where a count against the baseline could be masked by a
 * baseline handle that went away meanwhile.
 */
function trackHandles(): { pause(): void; stop(): void; alive(): string[] } {
  const live = new Map<number, { type: string; resource: { hasRef?: () => boolean } }>();
  let recording = true;
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (recording && TRACKED.has(type)) live.set(id, { type, resource: resource as { hasRef?: () => boolean } });
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return {
    // Handles made after the requests settled are the harness's own (its waits, closing the servers).
    pause: () => {
      recording = false;
    },
    stop: () => hook.disable(),
    alive: () => [...live.values()].filter(({ type, resource }) => type !== 'Timeout' || resource.hasRef?.() !== false).map(({ type }) => type),
  };
}

/** Resource types (by count) that Node reports as active. */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** Types above their baseline count, e.g. `Timeout +1`. */
function above(baseline: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [type, count] of resources()) {
    const extra = count - (baseline.get(type) ?? 0);
    if (extra > 0) out.push(`${type} +${extra}`);
  }
  return out;
}

/** What is still left (above the baseline counts, or created by the fault and alive), polled for up to `withinMs`. */
async function settleResources(baseline: Map<string, number>, handles: ReturnType<typeof trackHandles>, withinMs: number): Promise<string[]> {
  const until = Date.now() + withinMs;
  const left = () => {
    const created = handles.alive();
    const counts = new Map<string, number>();
    for (const type of created) counts.set(type, (counts.get(type) ?? 0) + 1);
    return [...above(baseline), ...[...counts].map(([type, count]) => `${type} (created by the fault) ×${count}`)];
  };
  let found = left();
  while (found.length > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    found = left();
  }
  return found;
}

function concurrencySlots(client: SluiceClient): number {
  const limiter = client.stack.middlewares.find((m) => m.name === 'concurrency') as { stats?: () => ConcurrencyStats } | undefined;
  const stats = limiter?.stats?.();
  return stats ? stats.inFlight + stats.queued : 0;
}

/** Runs `fault` `size.requests` times at once through one client, against fresh servers. */
export async function runFault(fault: Fault, size: RunSize): Promise<FaultRow> {
  const baseline = resources();
  const handles = trackHandles();
  const unhandled: unknown[] = [];
  const warnings: string[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on('unhandledRejection', onUnhandled);
  process.on('warning', onWarning);

  const server = await startFaultServer();
  const other = await startFaultServer();
  const controllers = new Map<string, AbortController>();
  const abortedAt = new Map<string, number>();
  let sentAfterAbort = 0;
  const abortById = (id: string) => {
    if (!abortedAt.has(id)) abortedAt.set(id, performance.now());
    controllers.get(id)?.abort();
  };
  const env: FaultEnv = { size, server, other, abortById };
  const extra = fault.setup(env) ?? {};
  // The terminal fetch sees every request that leaves Sluice (token calls included).
  const terminal = (request: Request, init?: RequestInit) => {
    const id = request.headers.get('x-fault-id');
    if (id !== null && abortedAt.has(id)) sentAfterAbort++;
    return globalThis.fetch(request, init);
  };
  // Retries after an attempt timeout, per fault id: a slow machine can time out an attempt before the
  // fault even happens, and that retry is not one the fault caused.
  const timeoutRetries = new Map<string, number>();
  const onEvent: ClientOptions['onEvent'] = (event) => {
    if (event.type === 'retry' && event.correlationId && /^attempt timeout/.test(String(event.reason))) {
      timeoutRetries.set(event.correlationId, (timeoutRetries.get(event.correlationId) ?? 0) + 1);
    }
    extra.onEvent?.(event);
  };
  const client = createClient({
    baseUrl: server.url,
    concurrency: size.concurrency,
    timeout: { attempt: size.attempt, total: size.total },
    retry: { baseDelay: size.baseDelay, maxDelay: size.maxDelay },
    fetch: terminal,
    // The fault id is the correlation id: events name the request they belong to.
    correlationId: { header: 'x-fault-id' },
    ...extra,
    onEvent,
  });

  const settleCounts: number[] = new Array(size.requests).fill(0);
  const outcomes: string[] = new Array(size.requests).fill('');
  const durations: number[] = new Array(size.requests).fill(0);
  const launch = (index: number): Promise<void> => {
    const id = `${fault.name}#${index}`;
    const controller = new AbortController();
    controllers.set(id, controller);
    const call: Call = {
      client,
      index,
      id,
      signal: controller.signal,
      abort: () => abortById(id),
      headers: { 'x-fault-id': id },
    };
    const started = performance.now();
    const settle = (outcome: string) => {
      settleCounts[index] = (settleCounts[index] ?? 0) + 1;
      outcomes[index] = outcome;
      durations[index] = performance.now() - started;
    };
    return Promise.resolve()
      .then(() => fault.call(call, env))
      .then(
        () => settle('ok'),
        (error: unknown) => settle(error instanceof Error ? error.name : `thrown ${typeof error}`),
      );
  };
  if (fault.burst) {
    // Every request at once: those beyond the concurrency limit wait in its queue.
    await Promise.all(Array.from({ length: size.requests }, (_, index) => launch(index)));
  } else {
    // `concurrency` callers, each starting its next request when the last one settled.
    let next = 0;
    const worker = async () => {
      while (next < size.requests) await launch(next++);
    };
    await Promise.all(Array.from({ length: size.concurrency }, worker));
  }
  handles.pause();
  const slotsAtEnd = concurrencySlots(client);
  // Late settlements (a second resolve) would show up after a turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 10));
  await server.close();
  await other.close();
  const leftovers = await settleResources(baseline, handles, 2_000);
  handles.stop();
  process.off('unhandledRejection', onUnhandled);
  process.off('warning', onWarning);

  const counted = new Map<string, number>();
  for (const outcome of outcomes) counted.set(outcome, (counted.get(outcome) ?? 0) + 1);
  const boundMs = size.total + (fault.extraMs?.(size) ?? 0) + 2_000;
  const row: FaultRow = {
    fault: fault.name,
    requests: size.requests,
    settled: settleCounts.filter((count) => count === 1).length,
    settledTwice: settleCounts.filter((count) => count > 1).length,
    outcomes: counted,
    maxAttempts: Math.max(
      0,
      ...[...server.hits.entries()].filter(([id]) => id.startsWith(`${fault.name}#`)).map(([id, count]) => count - (timeoutRetries.get(id) ?? 0)),
    ),
    timeoutRetries: [...timeoutRetries.values()].reduce((sum, count) => sum + count, 0),
    maxMs: Math.round(Math.max(...durations)),
    boundMs,
    unhandled: unhandled.length,
    warnings,
    leftovers,
    sentAfterAbort,
    slotsAtEnd,
    problems: [],
  };
  row.problems = problemsOf(row, fault).concat(fault.verify?.(row, env, outcomes) ?? []);
  return row;
}

function problemsOf(row: FaultRow, fault: Fault): string[] {
  const problems: string[] = [];
  if (row.settled !== row.requests) problems.push(`${row.requests - row.settled} requests did not settle exactly once`);
  // A deadline may always pass (a loaded machine): TimeoutError is typed and allowed for every fault.
  const allowed = [...fault.outcomes, 'TimeoutError'];
  for (const outcome of row.outcomes.keys()) {
    if (!allowed.includes(outcome)) problems.push(`unexpected outcome ${outcome} (allowed: ${allowed.join(', ')})`);
  }
  if (row.maxAttempts > fault.maxAttempts) problems.push(`${row.maxAttempts} attempts on the server, more than ${fault.maxAttempts}`);
  if (row.maxMs > row.boundMs) problems.push(`a request took ${row.maxMs} ms, more than the bound of ${row.boundMs} ms`);
  if (row.unhandled > 0) problems.push(`${row.unhandled} unhandled rejections`);
  if (row.warnings.length > 0) problems.push(`warnings: ${[...new Set(row.warnings)].join('; ')}`);
  if (row.leftovers.length > 0) problems.push(`leftover resources: ${row.leftovers.join(', ')}`);
  if (row.sentAfterAbort > 0) problems.push(`${row.sentAfterAbort} requests sent after their abort`);
  if (row.slotsAtEnd > 0) problems.push(`${row.slotsAtEnd} concurrency slots still held or queued`);
  return problems;
}

/** The soak table: one row per fault. */
export function formatTable(rows: readonly FaultRow[]): string {
  const header = ['fault', 'settled', 'outcomes (error types)', 'max attempts', 'timeout retries', 'max ms / bound', 'unhandled', 'warnings', 'leftovers', 'sent after abort', 'slots at end'];
  const lines = rows.map((row) => [
    row.fault,
    `${row.settled}/${row.requests}`,
    [...row.outcomes.entries()].map(([name, count]) => `${name} ${count}`).join(', '),
    String(row.maxAttempts),
    String(row.timeoutRetries),
    `${row.maxMs} / ${row.boundMs}`,
    String(row.unhandled),
    String(row.warnings.length),
    row.leftovers.length === 0 ? '0' : row.leftovers.join(' '),
    String(row.sentAfterAbort),
    String(row.slotsAtEnd),
  ]);
  const out = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const line of lines) out.push(`| ${line.join(' | ')} |`);
  return out.join('\n');
}
