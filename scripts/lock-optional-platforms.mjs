// This machine's npm registry serves only the Linux builds of packages that ship one
// binary per platform, so `npm install` writes a lockfile without the other platforms'
// optional entries, and `npm ci` then refuses it as out of sync. This restores those
// entries (as optional, with their os/cpu/libc, never fetched here) for Biome's CLI.
// Run it after `npm install` whenever the lockfile was rewritten: `node scripts/lock-optional-platforms.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const file = 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
const parent = packages['node_modules/@biomejs/biome'];
const added = [];
for (const [name, version] of Object.entries(parent?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (packages[key]) continue;
  const [os, cpu, libc] = name.split('cli-')[1].split('-');
  // Keys in the order npm writes them, so a later `npm install` leaves the entry as it is.
  packages[key] = {
    version,
    cpu: [cpu],
    dev: true,
    ...(libc === 'musl' ? { libc: ['musl'] } : {}),
    license: 'MIT OR Apache-2.0',
    optional: true,
    os: [os],
    engines: { node: '>=14.21.3' },
  };
  added.push(name);
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length ? `lockfile: restored ${added.join(', ')}` : 'lockfile: nothing to restore');
