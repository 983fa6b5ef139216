// Keeps the workspace-only `@sluice/source` export condition out of published packages.
//
// In the workspace, each package's `exports` carry `"@sluice/source": "./src/*.ts"` first, so
// vitest, tsx and tsc (all run with that condition) read the sources without a build. `src`
// is not shipped, so a tarball must not point there. npm runs, in the package folder:
//
//   prepack     `node ../../scripts/pack-manifest.mjs strip`     after the build
//   postpack    `node ../../scripts/pack-manifest.mjs restore --unless-publishing`
//   postpublish `node ../../scripts/pack-manifest.mjs restore`
//
// `strip` saves package.json as .package.workspace.json and writes it back without the
// condition; `restore` moves the saved copy back. `npm publish` re-reads package.json after
// packing to build the registry's metadata, so during a publish the copy stays stripped
// until postpublish. A copy left by an interrupted run is restored before the next strip.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const CONDITION = '@sluice/source';
const SAVED = '.package.workspace.json';

/** Returns `exports` without the source condition, at any depth. */
export function withoutSourceCondition(exportsField) {
  if (exportsField === null || typeof exportsField !== 'object') return exportsField;
  if (Array.isArray(exportsField)) return exportsField.map(withoutSourceCondition);
  return Object.fromEntries(
    Object.entries(exportsField)
      .filter(([key]) => key !== CONDITION)
      .map(([key, value]) => [key, withoutSourceCondition(value)]),
  );
}

function restore() {
  if (existsSync(SAVED)) renameSync(SAVED, 'package.json');
}

function strip() {
  restore();
  const text = readFileSync('package.json', 'utf8');
  const pkg = JSON.parse(text);
  if (!JSON.stringify(pkg.exports ?? {}).includes(CONDITION)) return;
  writeFileSync(SAVED, text);
  const indent = text.match(/^\{\n(\s+)"/)?.[1] ?? '  ';
  writeFileSync('package.json', `${JSON.stringify({ ...pkg, exports: withoutSourceCondition(pkg.exports) }, null, indent)}\n`);
}

const [command, flag] = process.argv.slice(2);
if (command === 'strip') strip();
else if (command === 'restore') {
  // npm sets npm_command to the command the user ran, in every lifecycle script.
  if (!(flag === '--unless-publishing' && process.env.npm_command === 'publish')) restore();
} else {
  console.error('usage: pack-manifest.mjs strip | restore [--unless-publishing]');
  process.exitCode = 2;
}
