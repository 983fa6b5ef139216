/**
 * Compiles the overhead child, and the loopback section's client side, to plain JavaScript
 * the way the published packages are built (esbuild, es2022, no name-keeping helpers), so
 * that the measured code is what users run rather than tsx's development transform (which
 * wraps every function made at run time in a `__name` call). Sluice comes from source; the
 * peers and mitata stay external and load from node_modules as published.
 */
import { spawn } from 'node:child_process';
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

/**
 * Runs a compiled child (with `--expose-gc`) in a fresh Node process; resolves with the
 * JSON of its last stdout line, and rejects with the tail of its stderr when it fails.
 */
export function runChild<T>(script: string, args: readonly string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
    });
    proc.stderr.on('data', (chunk: Buffer) => {
      err += chunk;
    });
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(new Error(`${script.split('/').pop()} ${args[0] ?? ''} exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      resolve(JSON.parse(line) as T);
    });
  });
}
