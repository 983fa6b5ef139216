// Extracts every ```ts code block of the READMEs and docs/ pages into .readme-check/, one module per
// block, so that `tsc` type-checks the documentation's examples like any other code.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

// The root README, each package's README and every page under docs/.
const markdownUnder = (dir) =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.md') && !file.includes('node_modules'))
        .map((file) => `${dir}/${file}`)
    : [];
const packageReadmes = readdirSync('packages')
  .map((name) => `packages/${name}/README.md`)
  .filter((file) => existsSync(file));
const sources = ['README.md', ...packageReadmes, ...markdownUnder('docs').filter((f) => !f.startsWith('docs/api/'))];
const outDir = '.readme-check';
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

let count = 0;
for (const file of sources) {
  const text = readFileSync(file, 'utf8');
  const fence = /^```(ts|typescript)\s*\n([\s\S]*?)^```/gm;
  for (const match of text.matchAll(fence)) {
    count++;
    const line = text.slice(0, match.index).split('\n').length;
    const name = `${file.replace(/[^a-z0-9]+/gi, '_')}_L${line}.ts`;
    writeFileSync(`${outDir}/${name}`, `// ${file}:${line}\n${match[2]}\nexport {};\n`);
  }
}
console.log(`extract-readme: ${count} TypeScript blocks from ${sources.join(', ')} written to ${outDir}/`);
