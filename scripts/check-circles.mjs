// Fails when any package has an import circle, type-only imports included, with
// dependency-cruiser (rules in .dependency-cruiser.cjs). dependency-cruiser reads
// TypeScript with the TypeScript compiler API, which TypeScript 7 (the root toolchain) does
// not offer yet; the TypeScript 6 that tools/api-docs installs for TypeDoc has it, so this
// script points dependency-cruiser's `import 'typescript'` at that copy.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const typescript6 = `${root}tools/api-docs/node_modules/typescript`;
if (!existsSync(typescript6)) {
  console.error(`check-circles: ${typescript6} is missing; run npm ci first.`);
  process.exit(2);
}
const hook = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === 'typescript') return { url: pathToFileURL(${JSON.stringify(`${typescript6}/lib/typescript.js`)}).href, format: 'commonjs', shortCircuit: true };
    if (specifier === 'typescript/package.json') return { url: pathToFileURL(${JSON.stringify(`${typescript6}/package.json`)}).href, format: 'json', shortCircuit: true };
    return next(specifier, context);
  },
});`)}`;
const cli = `${root}node_modules/dependency-cruiser/bin/dependency-cruiser.mjs`;
const result = spawnSync(process.execPath, ['--import', hook, cli, '--config', '.dependency-cruiser.cjs', '--output-type', 'err', 'packages/*/src'], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
