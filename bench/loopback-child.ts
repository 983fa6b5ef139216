/**
 * The client side of the `loopback` section, run in its own Node process and compiled the
 * way the published packages are (see overhead/build.ts), so that every contender runs as
 * users run it and none shares a JavaScript thread with the server. Arguments: the server's
 * URL, requests per round and rounds; prints one JSON line: requests per second per
 * contender (the median of its rounds), and what was skipped.
 */
import { optional, runPool } from './pool.js';

const WORKERS = 64;

type Call = (url: string) => Promise<unknown>;

/** Requests per second of each contender, the median of `rounds` interleaved rounds. */
async function measure(contenders: ReadonlyArray<readonly [string, Call]>, url: string, requests: number, rounds: number) {
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
  const median: Record<string, number> = {};
  for (const [name, list] of rates) median[name] = [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0;
  return median;
}

const [url = '', requests = '4000', rounds = '5'] = process.argv.slice(2);
const skipped: string[] = [];
const client = await optional(() => import('sluice'), 'createClient');
const kyModule = await optional(() => import('ky'), 'default');
const contenders: Array<readonly [string, Call]> = [['raw fetch', (target) => fetch(target).then((r) => r.text())]];
if (client.module) {
  const sluice = client.module.createClient();
  contenders.push(['sluice pipeline (client.fetch)', (target) => sluice.fetch(target).then((r) => r.text())]);
  contenders.push(['sluice client (ky + pipeline)', (target) => sluice.get(target).text()]);
} else {
  skipped.push(`the Sluice contenders: 'sluice' createClient is not available (${client.missing})`);
}
if (kyModule.module) {
  const ky = kyModule.module.default;
  contenders.push(['ky 2 alone', (target) => ky.get(target, { retry: 0 }).text()]);
} else {
  skipped.push(`ky 2: ${kyModule.missing}`);
}
const rates = await measure(contenders, url, Number(requests), Number(rounds));
console.log(JSON.stringify({ order: contenders.map(([name]) => name), rates, skipped }));
