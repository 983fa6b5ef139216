import { defineConfig, type UserConfig } from 'tsdown';

/** The build every published package shares: ESM + .d.ts for Node ≥ 22.12 and browsers (see docs/packaging.md). */
export function packageBuild(entry: string[]): UserConfig {
  return defineConfig({
    entry,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    tsconfig: 'tsconfig.json',
    dts: true,
    sourcemap: true,
    clean: true,
  });
}
