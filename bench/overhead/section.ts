/**
 * Section `overhead`: per-request cost in memory, each contender in its own process
 * beside a bare `fetch()` + `.json()` against the same terminal, as ratios from one run.
 * Every contender is timed the same way (see child.ts): each mitata sample is one batch of
 * 64 sequential awaited calls, with no forced GC between measures, after a warm-up of
 * 600 ms per side; a round's figure is the p50 of its samples divided by 64.
 */
import type { SectionContext } from '../sections.js';
import { fmt, type Row } from '../pool.js';
import type { HeapResult, TimingResult } from './child.js';
import { buildChild, runChild } from './build.js';
import { BATCH, CONTENDERS } from './contenders.js';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const us = (ns: number): string => `${fmt(ns / 1000, 2)} µs`;

export async function overheadSection({ log, quick }: SectionContext): Promise<Row[]> {
  const section = 'overhead';
  const rounds = quick ? 2 : 21;
  const cpuMs = quick ? 20 : 120;
  const requests = quick ? 10_000 : 100_000;
  log(
    `  in memory, one process per contender; ${rounds} alternating rounds of mitata (p50 of batches of ${BATCH} sequential awaited calls) on the contender and on a bare fetch()+.json() in the same process; ratio = median of the rounds' ratios`,
  );
  const measured = new Map<string, { bare: number; contender: number; ratio: number; low: number; high: number }>();
  const rows: Row[] = [];
  const script = await buildChild('child.ts');
  for (const name of Object.keys(CONTENDERS)) {
    try {
      const result = await runChild<TimingResult>(script, [name, String(rounds), String(cpuMs)]);
      // Each round's ratio compares two figures taken moments apart, so load drifting on a shared machine cancels out.
      const ratios = result.contender.map((value, i) => value / (result.bare[i] ?? Number.NaN));
      const ratio = median(ratios);
      const entry = { bare: median(result.bare), contender: median(result.contender), ratio, low: Math.min(...ratios), high: Math.max(...ratios) };
      measured.set(name, entry);
      log(`  ${name}: ${us(entry.contender)} (bare ${us(entry.bare)}) = ${fmt(ratio, 2)}×`);
    } catch (error) {
      log(`  ${name}: failed (${(error as Error).message})`);
      rows.push({ section, subject: name, figure: '-', ratio: '-', note: 'failed' });
    }
  }
  const ky = measured.get('ky 2');
  for (const [name, { bare, contender, ratio, low, high }] of measured) {
    const vsKy = name === 'sluice createClient' && ky ? `; ${fmt(ratio / ky.ratio, 2)}× ky 2` : '';
    const spread = rounds > 1 ? `rounds ${fmt(low, 2)}-${fmt(high, 2)}×; ` : '';
    rows.push({ section, subject: name, figure: us(contender), ratio: `${fmt(ratio, 2)}× bare`, note: `${spread}bare ${us(bare)}${vsKy}` });
  }
  try {
    const heap = await runChild<HeapResult>(script, ['heap', String(requests)]);
    const left = heap.handlesLeft.length;
    rows.push({
      section,
      subject: `heap, createClient × ${fmt(heap.requests)}`,
      figure: `${fmt(heap.growthBytes / 1e6, 2)} MB`,
      ratio: '-',
      note: `growth after GC; ${left} handle(s) left${left ? `: ${heap.handlesLeft.join(', ')}` : ''}`,
    });
  } catch (error) {
    rows.push({ section, subject: 'heap', figure: '-', ratio: '-', note: `failed: ${(error as Error).message.slice(0, 80)}` });
  }
  return rows;
}
