// Lists the longest functions in the packages' src/ folders, longest first:
// `node scripts/largest-functions.mjs [count]`. It parses with the TypeScript 6 compiler API
// that tools/api-docs installs (TypeScript 7, the root toolchain, has no JS API yet).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const ts = createRequire(import.meta.url)('../tools/api-docs/node_modules/typescript/lib/typescript.js');
const count = Number(process.argv[2] ?? 10);
const files = readdirSync('packages').flatMap((name) => {
  try {
    return readdirSync(join('packages', name, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => join('packages', name, 'src', file));
  } catch {
    return [];
  }
});
const rows = [];
for (const file of files) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const line = (position) => source.getLineAndCharacterOfPosition(position).line;
  const visit = (node) => {
    if (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node)) {
      const parent = node.parent;
      const name = node.name?.getText() ?? (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) ? parent.name.getText() : '<anonymous>');
      rows.push({ lines: line(node.getEnd()) - line(node.getStart()) + 1, where: `${file}:${line(node.getStart()) + 1}`, name });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
rows.sort((a, b) => b.lines - a.lines);
for (const row of rows.slice(0, count)) console.log(`${row.lines} lines  ${row.name}  ${row.where}`);
