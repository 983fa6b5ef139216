/**
 * One overhead contender in its own process: `child.ts <contender> <rounds> <cpuMs>`
 * measures the bare call and the contender in alternation with mitata and prints one
 * JSON line `{ bare: number[], contender: number[] }` (each round's median, in ns).
 * `child.ts heap <requests>` prints the heap growth of createClient over that many
 * requests after GC, and the handles left behind.
 */
import { measure } from 'mitata';
import { bare, CONTENDERS, type Call } from './contenders.js';

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

async function timing(name: string, rounds: number, cpuMs: number): Promise<TimingResult> {
  const setup = CONTENDERS[name];
  if (!setup) throw new Error(`unknown contender "${name}"`);
  const call = await setup();
  await call(); // fail early, outside the measurement, if the contender is broken
  const result: TimingResult = { bare: [], contender: [] };
  // mitata's own clock and batching (wall time). On a shared machine load drifts: each
  // round measures both sides moments apart, and the section takes the rounds' ratios.
  const options = {
    min_cpu_time: cpuMs * 1e6,
    min_samples: cpuMs < 100 ? 4 : 12, // a --quick run only checks that the contender works
    batch_samples: 512, // calls per sample of a fast function: keeps a round near cpuMs for the slower contenders too
  };
  // Warm both up first (JIT tiers, lazily built state): the first round is not a cold start.
  for (const fn of [bare, call, bare, call]) await measure(fn, { ...options, min_cpu_time: Math.min(cpuMs, 100) * 1e6 });
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first, so that a drift of the machine's load favours neither.
    const order: Array<[Call, number[]]> = [
      [bare, result.bare],
      [call, result.contender],
    ];
    if (round % 2 === 1) order.reverse();
    for (const [fn, out] of order) out.push((await measure(fn, options)).p50);
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
  await batch(2_000); // warm: JIT, lazily built state
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
