/**
 * `npm run bench`: figures measured side by side in one run, printed as ratios.
 * `npm run bench -- overhead size` runs only the sections named; `--quick` runs each
 * with fewer rounds (a smoke run: CI uses it to keep the bench working, never for
 * figures); `--list` names the sections. Every server listens on 127.0.0.1; every loop
 * is bounded.
 */
import type { Row } from './pool.js';
import { SECTIONS } from './sections.js';

function table(rows: readonly Row[]): string {
  const head = ['section', 'subject', 'figure', 'ratio', 'note'];
  const cells = rows.map((r) => [r.section, r.subject, r.figure, r.ratio, r.note ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) => c.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

// `--requests=N` is also accepted: it sizes the scheduler section (bench/scheduler.ts).
const FLAGS = new Set(['--quick', '--list']);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flags = args.filter((a) => a.startsWith('-'));
  const wanted = args.filter((a) => !a.startsWith('-'));
  const badFlags = flags.filter((flag) => !FLAGS.has(flag) && !flag.startsWith('--requests='));
  const known = SECTIONS.map((s) => s.name);
  const unknown = wanted.filter((name) => !known.includes(name));
  if (badFlags.length || unknown.length) {
    const what = [...badFlags.map((f) => `flag ${f}`), ...unknown.map((n) => `section ${n}`)].join(', ');
    console.error(`Unknown ${what}. Sections: ${known.join(', ')}. Flags: ${[...FLAGS].join(', ')}.`);
    process.exitCode = 2;
    return;
  }
  if (flags.includes('--list')) {
    for (const s of SECTIONS) console.log(`${s.name.padEnd(12)} ${s.summary}`);
    return;
  }
  const quick = flags.includes('--quick');
  const started = performance.now();
  const rows: Row[] = [];
  let failures = 0;
  for (const section of SECTIONS) {
    if (wanted.length && !wanted.includes(section.name)) continue;
    if (quick && section.quick === false && !wanted.includes(section.name)) {
      console.log(`\n## ${section.name}: skipped by --quick (minutes even shortened); run \`npm run bench -- ${section.name}\``);
      continue;
    }
    console.log(`\n## ${section.name}${quick ? ' (quick)' : ''}`);
    const sectionStarted = performance.now();
    try {
      rows.push(...(await section.run({ log: (line) => console.log(line), quick })));
    } catch (error) {
      failures++;
      console.log(`  section failed: ${error instanceof Error ? error.message : String(error)}`);
      rows.push({ section: section.name, subject: '(failed)', figure: '-', ratio: '-', note: String(error).slice(0, 80) });
    }
    console.log(`  (${((performance.now() - sectionStarted) / 1000).toFixed(1)} s)`);
  }
  console.log(`\n## summary (${((performance.now() - started) / 1000).toFixed(1)} s, node ${process.version})\n`);
  console.log(table(rows));
  // A section that could not run is a broken bench: say so in the exit code (CI runs --quick).
  if (failures || rows.some((row) => row.note === 'failed' || row.figure === '-')) process.exitCode = 1;
}

await main();
