/**
 * Section `loopback`: throughput against a local keep-alive node:http server, side by
 * side: raw fetch, the bare pipeline (`client.fetch`), the client, and ky alone.
 */
import { fmt, optional, type Row, runPool } from './pool.js';
import type { SectionContext } from './sections.js';
import { plainServer } from './servers.js';

const WORKERS = 64;

type Call = (url: string) => Promise<unknown>;

/** Requests per second of `call`, the median of `rounds` interleaved rounds. */
async function measure(
  contenders: ReadonlyArray<readonly [string, Call]>,
  url: string,
  requests: number,
  rounds: number,
): Promise<Map<string, number>> {
  const rates = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
  for (const [, call] of contenders) await runPool(300, WORKERS, () => call(url).then(() => undefined));
  for (let round = 0; round < rounds; round++) {
    // Rotate the order every round so that drifting machine load does not favour one contender.
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
    for (const [name, call] of order) {
      const result = await runPool(requests, WORKERS, () => call(url).then(() => undefined));
      if (result.failed) throw new Error(`${name}: ${result.failed} requests failed (${result.errors.join('; ')})`);
      rates.get(name)?.push((requests / result.elapsedMs) * 1000);
    }
  }
  const median = new Map<string, number>();
  for (const [name, list] of rates) median.set(name, [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0);
  return median;
}

export async function loopbackSection({ log, quick }: SectionContext): Promise<Row[]> {
  const section = 'loopback';
  const requests = quick ? 500 : 4_000;
  const rounds = quick ? 1 : 5;
  const client = await optional(() => import('sluice'), 'createClient');
  const kyModule = await optional(() => import('ky'), 'default');
  const contenders: Array<readonly [string, Call]> = [['raw fetch', (url) => fetch(url).then((r) => r.text())]];
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
    log(`  ${fmt(requests)} keep-alive GETs × ${rounds} round(s) per contender, ${WORKERS} in flight, median of rounds`);
    const rates = await measure(contenders, `${server.url}/items`, requests, rounds);
    const bare = rates.get('raw fetch') ?? 1;
    const ky = rates.get('ky 2 alone');
    return contenders.map(([name]) => {
      const rate = rates.get(name) ?? 0;
      const note = name === 'sluice client (ky + pipeline)' && ky ? `${fmt(rate / ky, 2)}× ky 2 alone` : undefined;
      return { section, subject: name, figure: `${fmt(rate)} req/s`, ratio: `${fmt(rate / bare, 2)}× raw fetch`, ...(note ? { note } : {}) };
    });
  } finally {
    await server.close();
  }
}
