// Extracts every ```ts code block of the READMEs into .readme-check/, one module per
// block, so that `tsc` type-checks the documentation's examples like any other code.
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';

const sources = ['README.md', 'packages/testing/README.md'].filter((file) => existsSync(file));
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
