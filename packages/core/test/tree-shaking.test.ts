import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const index = fileURLToPath(new URL('../src/index.ts', import.meta.url));

/**
 * The package as it is published: one flat ESM file (tsdown bundles src/index.ts). There a
 * bundler can no longer drop a whole unused module (`sideEffects: false`), only single
 * statements it can prove free of effects: every top-level value must be one.
 */
async function flatten(): Promise<string> {
  const result = await build({ entryPoints: [index], bundle: true, format: 'esm', platform: 'neutral', write: false, logLevel: 'silent' });
  return result.outputFiles[0]?.text ?? '';
}

/** Bundles `source` as an app would (ESM, minified, tree-shaken), against the flat file or the sources. */
async function bundle(source: string, flat?: string): Promise<string> {
  const plugins: Plugin[] = flat
    ? [
        {
          name: 'flat-core',
          setup(b) {
            b.onResolve({ filter: /^@sluice\/core$/ }, () => ({ path: 'flat-core', namespace: 'flat' }));
            b.onLoad({ filter: /.*/, namespace: 'flat' }, () => ({ contents: flat, loader: 'js', resolveDir: root }));
          },
        },
      ]
    : [];
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['@sluice/source'],
    plugins,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

describe('the published single file shakes as well as the sources', () => {
  let flat = '';
  beforeAll(async () => {
    flat = await flatten();
  });

  it('one constant carries nothing that runs at load time (no redaction built, no date patterns, no dedupe list)', async () => {
    const code = await bundle(`export { REDACTED } from '@sluice/core';`, flat);
    for (const marker of ['monday|tuesday', 'accept-encoding', 'proxy-authorization']) expect(code).not.toContain(marker);
  });

  it('compose alone weighs what it weighs from the sources, within 1 %', async () => {
    const fromFlat = await bundle(`export { compose } from '@sluice/core';`, flat);
    const fromSources = await bundle(`export { compose } from '@sluice/core';`);
    expect(fromFlat.length).toBeLessThanOrEqual(fromSources.length * 1.01);
  });
});
