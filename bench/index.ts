/**
 * `npm run bench`: figures measured side by side in one run, printed as ratios.
 * Sections: overhead, rate-limit, refresh, workers, features, scheduler. Run a subset with `npm run bench -- rate-limit`;
 * `npm run bench -- scheduler --requests=400` runs the scheduler section at a smaller size.
 * Every server listens on 127.0.0.1; every loop is bounded.
 */
import { featuresSection } from './features.js';
import { overheadSection } from './overhead.js';
import type { Row } from './pool.js';
import { rateLimitSection } from './rate-limit.js';
import { refreshSection } from './refresh.js';
import { schedulerSection } from './scheduler.js';
import { workersSection } from './workers.js';

const sections: Record<string, (log: (line: string) => void) => Promise<Row[]>> = {
  overhead: overheadSection,
  'rate-limit': rateLimitSection,
  refresh: refreshSection,
  workers: workersSection,
  features: featuresSection,
  scheduler: (log) => schedulerSection(log),
};

function table(rows: readonly Row[]): string {
  const head = ['section', 'subject', 'figure', 'ratio', 'note'];
  const cells = rows.map((r) => [r.section, r.subject, r.figure, r.ratio, r.note ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) => c.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((name) => !(name in sections));
  if (unknown.length) {
    console.error(`Unknown section(s): ${unknown.join(', ')}. Known: ${Object.keys(sections).join(', ')}.`);
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const rows: Row[] = [];
  for (const [name, run] of Object.entries(sections)) {
    if (wanted.length && !wanted.includes(name)) continue;
    console.log(`\n## ${name}`);
    try {
      const result = await run((line) => console.log(line));
      rows.push(...result);
    } catch (error) {
      console.log(`  section failed: ${error instanceof Error ? error.message : String(error)}`);
      rows.push({ section: name, subject: '(failed)', figure: '-', ratio: '-', note: String(error).slice(0, 80) });
    }
  }
  console.log(`\n## summary (${((performance.now() - started) / 1000).toFixed(1)} s, node ${process.version})\n`);
  console.log(table(rows));
}

await main();
