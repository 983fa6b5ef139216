/**
 * Section `size`: what each bundle costs a browser app (esbuild, browser ESM, minified,
 * gzip), Sluice's beside the peers'. The Sluice budgets `npm run check` enforces come
 * from the same list (scripts/size-budget.mjs). Under each Sluice bundle it lists the
 * source files that weigh most (minified bytes, from esbuild's metafile): where to cut; and
 * the same bundle built from each package as one flat file, as published (a top-level value
 * that runs at load time shows there as a gap).
 */
import { kB, measureBundle, PEER_BUNDLES, SLUICE_BUNDLES } from '../scripts/size-budget.mjs';
import type { Row } from './pool.js';
import type { SectionContext } from './sections.js';

export async function sizeSection({ log }: SectionContext): Promise<Row[]> {
  const rows: Row[] = [];
  const ky = await measureBundle(PEER_BUNDLES[0]?.source ?? '');
  for (const bundle of [...SLUICE_BUNDLES, ...PEER_BUNDLES]) {
    const { minified, gzipped, inputs } = await measureBundle(bundle.source);
    const budget = 'budget' in bundle && bundle.budget !== undefined ? `budget ${kB(bundle.budget)}; ` : '';
    log(`  ${bundle.name}: ${kB(gzipped)} min+gzip (${kB(minified)} minified)`);
    // What an app gets from npm (each package one flat file) should weigh what the sources do.
    if (budget) log(`    from the published flat files: ${kB((await measureBundle(bundle.source, { flat: true })).gzipped)} min+gzip`);
    if (budget) log(`    heaviest: ${inputs.slice(0, 8).map(({ file, bytes }) => `${file.replace(/^[^/]+\/src\//, '')} ${kB(bytes)}`).join(', ')}`);
    rows.push({
      section: 'size',
      subject: bundle.name,
      figure: `${kB(gzipped)} min+gzip`,
      ratio: `${(gzipped / ky.gzipped).toFixed(2)}× ky`,
      note: `${budget}${kB(minified)} minified`,
    });
  }
  return rows;
}
