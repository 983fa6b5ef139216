import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const coreIndex = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const authIndex = fileURLToPath(new URL('../../auth/src/index.ts', import.meta.url));

/**
 * The package as it is published: one flat ESM file (tsdown bundles src/index.ts). There a
 * bundler can no longer drop a whole unused module (`sideEffects: false`), only single
 * statements it can prove free of effects: every top-level value must be one.
 */
async function flatten(index: string): Promise<string> {
  const result = await build({
    entryPoints: [index],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    external: ['@sluice/core', 'jose'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** Bundles `source` as an app would (ESM, minified, tree-shaken), against the flat files given (by package name) or the sources. */
async function bundle(source: string, flat: Record<string, string> = {}): Promise<string> {
  const plugins: Plugin[] = [
    {
      name: 'flat-packages',
      setup(b) {
        b.onResolve({ filter: /^@sluice\/(core|auth)$/ }, (args) => (args.path in flat ? { path: args.path, namespace: 'flat' } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'flat' }, (args) => ({ contents: flat[args.path], loader: 'js', resolveDir: root }));
      },
    },
  ];
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
  let core = '';
  let auth = '';
  beforeAll(async () => {
    [core, auth] = await Promise.all([flatten(coreIndex), flatten(authIndex)]);
  });

  it('one constant carries nothing that runs at load time (no redaction built, no date patterns, no dedupe list)', async () => {
    const code = await bundle(`export { REDACTED } from '@sluice/core';`, { '@sluice/core': core });
    for (const marker of ['monday|tuesday', 'accept-encoding', 'proxy-authorization']) expect(code).not.toContain(marker);
  });

  it('compose alone weighs what it weighs from the sources, within 1 %', async () => {
    const fromFlat = await bundle(`export { compose } from '@sluice/core';`, { '@sluice/core': core });
    const fromSources = await bundle(`export { compose } from '@sluice/core';`);
    expect(fromFlat.length).toBeLessThanOrEqual(fromSources.length * 1.01);
  });

  it("@sluice/auth: bearer alone carries no other provider's option keys, no MD5 table, no token-call redaction", async () => {
    const code = await bundle(`export { bearer } from '@sluice/auth';`, { '@sluice/core': core, '@sluice/auth': auth });
    for (const marker of ['initialToken', 'onRefreshToken', 'tokenTimeoutMs', 'cnonce', 'Math.sin']) expect(code).not.toContain(marker);
  });
});
