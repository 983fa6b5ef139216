/**
 * One overhead contender in its own process: `child.ts <contender> <rounds> <cpuMs>`
 * measures the bare call and the contender in alternation with mitata and prints one
 * JSON line `{ bare: number[], contender: number[] }` (each round's median, in ns per call).
 * Each mitata sample is the wall time of one batch of `BATCH` sequential awaited calls,
 * the same method for every contender (see `timing`).
 * `child.ts heap <requests>` prints the heap growth of createClient over that many
 * requests after GC, once as many have warmed the process, and the handles left behind.
 */
import { measure } from 'mitata';
import { BATCH, bare, CONTENDERS, type Call } from './contenders.js';

/** What a measuring child prints. */
export interface TimingResult {
  bare: number[];
  contender: number[];
}

/** What the heap child prints. */
export interface HeapResult {
  requests: number;
  growthBytes: number;
  handlesLeft: string[];
}

/** Runs `call` `BATCH` times in a row, each awaited before the next starts. */
function batchOf(call: Call): Call {
  return async () => {
    for (let i = 0; i < BATCH; i++) await call();
  };
}

/** Calls `fn` in a plain loop for `ms` of wall time, so the JIT reaches its top tier. */
async function warm(fn: Call, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) await fn();
}

async function timing(name: string, rounds: number, cpuMs: number): Promise<TimingResult> {
  const setup = CONTENDERS[name];
  if (!setup) throw new Error(`unknown contender "${name}"`);
  const call = await setup();
  await call(); // fail early, outside the measurement, if the contender is broken
  const result: TimingResult = { bare: [], contender: [] };
  // The same method for every contender: each mitata sample is the wall time of one batch
  // of BATCH sequential awaited calls, and mitata neither batches on its own nor collects
  // garbage before a measure. Its own batching is decided per measure from one or two
  // single warm-up calls against a 65 µs threshold, so a contender near that threshold ran
  // one call per sample while bare ran 512 per sample. Its forced full GC before each
  // measure (the child runs with --expose-gc) clears the weak objects embedded in optimized
  // code, so each measure began by deoptimizing and re-tiering Node's Request, Response,
  // AbortSignal and stream code (--trace-deopt, 7 rounds of the core stack: 571 deopts
  // "embedded weak objects cleared" with it, 4 without), which hit the contenders that use
  // more of that code hardest. Scavenges still happen inside the samples, so each side
  // pays for its own garbage. On a shared machine load drifts: each round measures both sides
  // moments apart, and the section takes the rounds' ratios.
  const options = {
    min_cpu_time: cpuMs * 1e6,
    min_samples: cpuMs < 100 ? 4 : 12, // a --quick run only checks that the contender works
    batch_threshold: -1, // never batch inside mitata: batchOf() is the batch
    gc: false as const, // no forced collection before each measure
  };
  const sides: Array<[Call, number[]]> = [
    [batchOf(bare), result.bare],
    [batchOf(call), result.contender],
  ];
  // Warm both up first in a plain loop (JIT tiers, lazily built state): in one process a
  // contender still got faster after 400 ms of mitata warm-up, so each side now gets 600 ms.
  const warmMs = cpuMs < 100 ? 50 : 600;
  for (const [fn] of [...sides, ...sides]) await warm(fn, warmMs / 2);
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first, so that a drift of the machine's load favours neither.
    const order = round % 2 === 1 ? [...sides].reverse() : sides;
    for (const [fn, out] of order) out.push((await measure(fn, options)).p50 / BATCH);
  }
  return result;
}

function handles(): string[] {
  return process.getActiveResourcesInfo().filter((name) => name !== 'TTYWrap' && name !== 'PipeWrap');
}

async function heap(requests: number): Promise<HeapResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the heap child needs --expose-gc');
  const setup = CONTENDERS['sluice createClient'];
  if (!setup) throw new Error('no createClient contender');
  const before = handles();
  const call = await setup();
  const batch = async (count: number): Promise<void> => {
    // 64 in flight, as an API client under load would be.
    let left = count;
    const worker = async (): Promise<void> => {
      while (left-- > 0) await call();
    };
    await Promise.all(Array.from({ length: 64 }, worker));
  };
  // Warm with as many requests as are measured: the first run of a fresh process grows the
  // heap by the code V8 optimises (9 MB over 200,000 createClient calls, 0.02 MB over the
  // next 200,000), which a warm-up of a few thousand calls leaves inside the measure.
  await batch(requests);
  const settle = async (): Promise<number> => {
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    return process.memoryUsage().heapUsed;
  };
  const start = await settle();
  await batch(requests);
  const end = await settle();
  const left = handles();
  for (const name of before) {
    const index = left.indexOf(name);
    if (index !== -1) left.splice(index, 1);
  }
  return { requests, growthBytes: end - start, handlesLeft: left };
}

const [mode = '', first = '', second = ''] = process.argv.slice(2);
const result = mode === 'heap' ? await heap(Number(first)) : await timing(mode, Number(first), Number(second));
process.stdout.write(`${JSON.stringify(result)}\n`);
