/**
 * Compiles the overhead child, and the loopback section's client side, to plain JavaScript
 * the way the published packages are built (esbuild, es2022, no name-keeping helpers), so
 * that the measured code is what users run rather than tsx's development transform (which
 * wraps every function made at run time in a `__name` call). Sluice comes from source; the
 * peers and mitata stay external and load from node_modules as published.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT_DIR = `${ROOT}node_modules/.cache/sluice-bench`;
const PEERS = ['mitata', 'ky', 'wretch', 'wretch/*', 'fetch-extras', 'ofetch', 'axios'];

/** Bundles `entry` (a path from this file's folder) to node_modules/.cache; resolves with the output path. */
export async function buildChild(entry: string): Promise<string> {
  mkdirSync(OUT_DIR, { recursive: true });
  const outfile = `${OUT_DIR}/${(entry.split('/').pop() ?? entry).replace(/\.ts$/, '.mjs')}`;
  await build({
    entryPoints: [fileURLToPath(new URL(`./${entry}`, import.meta.url))],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    conditions: ['@sluice/source'],
    external: PEERS,
    logLevel: 'silent',
  });
  return outfile;
}
