/** Section 1: pipeline overhead against a local node:http server, side by side with bare fetch. */
import { fmt, optional, type Row, runPool } from './pool.js';
import { plainServer } from './servers.js';

const REQUESTS = 1_500;
const WORKERS = 16;
const ROUNDS = 5;

type Call = (url: string) => Promise<unknown>;

/** Requests per second of `call`, the median of {@link ROUNDS} interleaved rounds. */
async function measure(contenders: ReadonlyArray<readonly [string, Call]>, url: string): Promise<Map<string, number>> {
  const rates = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
  for (const [, call] of contenders) await runPool(300, WORKERS, () => call(url).then(() => undefined));
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order every round so that drifting machine load does not favour one contender.
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
    for (const [name, call] of order) {
      const result = await runPool(REQUESTS, WORKERS, () => call(url).then(() => undefined));
      if (result.failed) throw new Error(`${name}: ${result.failed} requests failed (${result.errors.join('; ')})`);
      rates.get(name)?.push((REQUESTS / result.elapsedMs) * 1000);
    }
  }
  const median = new Map<string, number>();
  for (const [name, list] of rates) median.set(name, [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0);
  return median;
}

export async function overheadSection(log: (line: string) => void): Promise<Row[]> {
  const section = 'overhead';
  const client = await optional(() => import('sluice'), 'createClient');
  const kyModule = await optional(() => import('ky'), 'default');
  const contenders: Array<readonly [string, Call]> = [['bare fetch', (url) => fetch(url).then((r) => r.text())]];
  if (client.module) {
    const sluice = client.module.createClient();
    contenders.push(['sluice pipeline (client.fetch)', (url) => sluice.fetch(url).then((r) => r.text())]);
    contenders.push(['sluice client (ky + pipeline)', (url) => sluice.get(url).text()]);
  } else {
    log(`  skipped the Sluice contenders: 'sluice' createClient is not available (${client.missing})`);
  }
  if (kyModule.module) {
    const ky = kyModule.module.default;
    contenders.push(['ky 2 alone', (url) => ky.get(url, { retry: 0 }).text()]);
  }
  const server = await plainServer();
  try {
    log(`  ${fmt(REQUESTS)} GETs × ${ROUNDS} rounds per contender, ${WORKERS} in flight, median of rounds`);
    const rates = await measure(contenders, `${server.url}/items`);
    const bare = rates.get('bare fetch') ?? 1;
    return contenders.map(([name]) => {
      const rate = rates.get(name) ?? 0;
      return { section, subject: name, figure: `${fmt(rate)} req/s`, ratio: `${fmt(rate / bare, 2)}× bare` };
    });
  } finally {
    await server.close();
  }
}
