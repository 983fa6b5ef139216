/**
 * Section `loopback`: throughput against a local keep-alive node:http server, side by
 * side: raw fetch, the bare pipeline (`client.fetch`), the client, and ky alone. The
 * server runs in this process; the contenders run in a child process compiled like the
 * published packages (loopback-child.ts), so the client's CPU per request is what the
 * figures compare, on its own core, and no contender runs through tsx's transform.
 */
import { buildChild, runChild } from './overhead/build.js';
import { fmt, type Row } from './pool.js';
import type { SectionContext } from './sections.js';
import { plainServer } from './servers.js';

interface ChildResult {
  order: string[];
  rates: Record<string, number>;
  skipped: string[];
}

export async function loopbackSection({ log, quick }: SectionContext): Promise<Row[]> {
  const section = 'loopback';
  const requests = quick ? 500 : 4_000;
  const rounds = quick ? 1 : 5;
  const script = await buildChild('../loopback-child.ts');
  const server = await plainServer();
  try {
    log(`  ${fmt(requests)} keep-alive GETs × ${rounds} round(s) per contender, 64 in flight, median of rounds; client in its own process`);
    const { order, rates, skipped } = await runChild<ChildResult>(script, [`${server.url}/items`, String(requests), String(rounds)]);
    for (const what of skipped) log(`  skipped ${what}`);
    const bare = rates['raw fetch'] ?? 1;
    const ky = rates['ky 2 alone'];
    return order.map((name) => {
      const rate = rates[name] ?? 0;
      const note = name === 'sluice client (ky + pipeline)' && ky ? `${fmt(rate / ky, 2)}× ky 2 alone` : undefined;
      return { section, subject: name, figure: `${fmt(rate)} req/s`, ratio: `${fmt(rate / bare, 2)}× raw fetch`, ...(note ? { note } : {}) };
    });
  } finally {
    await server.close();
  }
}
