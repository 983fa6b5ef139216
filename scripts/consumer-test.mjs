// The release check: what a user gets from `npm install`, tested the way a user meets it.
//
//  1. `npm pack` every published package into a temporary folder (each prepack builds it and
//     strips the workspace-only `@sluice/source` condition), and inspect each tarball.
//  2. Install the tarballs into a fresh temporary project (ky, jose, msw come from the registry,
//     offline from the npm cache when they are there), with --engine-strict when this Node is
//     one every package admits.
//  3. Check each package's `engines.node` against the `engines` of everything it installs.
//  4. In that project: import AND require each package (one copy of `@sluice/core`, errors that
//     pass `instanceof` across packages), run scripts/smoke.mjs against a real local server, and
//     type-check with strict `tsc` (lib ES2023 and no DOM, types node, module nodenext,
//     skipLibCheck false) on the repository's TypeScript and on TypeScript 6.
//  5. publint and attw on each tarball.
//
// Usage: node scripts/consumer-test.mjs [--keep]     (--keep leaves the temporary folder)
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const requireFromRoot = createRequire(join(root, 'package.json'));
const semver = requireFromRoot('semver');

/** The published packages, their entry points, and a named export each entry point must have. */
const PACKAGES = [
  { dir: 'packages/core', entries: { '': 'compose' } },
  { dir: 'packages/auth', entries: { '': 'tokenAuth' } },
  { dir: 'packages/client', entries: { '': 'createClient' } },
  { dir: 'packages/testing', entries: { '': 'rateLimitedApi', '/node': 'serve' } },
  { dir: 'packages/redis', entries: { '': 'redisTokenStore' } },
  { dir: 'packages/otel', entries: { '': null } },
  { dir: 'packages/cache', entries: { '': null } },
];
/** The one attw rule we accept, and why: docs/packaging.md, "attw". */
const ATTW_IGNORED = ['cjs-resolves-to-esm'];

const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'sluice-consumer-'));
const tarballs = join(work, 'tarballs');
const app = join(work, 'app');
mkdirSync(tarballs);
mkdirSync(app);
const failures = [];
let stepStarted = performance.now();
const step = (title) => {
  const now = performance.now();
  console.log(`${title === 'npm pack' ? '' : `(${((now - stepStarted) / 1000).toFixed(1)} s)\n`}\n== consumer-test: ${title}`);
  stepStarted = now;
};
const fail = (message) => {
  failures.push(message);
  console.error(`FAIL ${message}`);
};
const run = (command, args, options = {}) =>
  execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
const manifest = (dir) => JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));

async function main() {
try {
  step('npm pack');
  const before = new Map(PACKAGES.map((p) => [p.dir, readFileSync(join(root, p.dir, 'package.json'), 'utf8')]));
  // An interrupted earlier pack (prepack ran, postpack never did) must not leak into this one.
  run(process.execPath, [join(root, 'scripts/pack-manifest.mjs'), 'strip'], { cwd: join(root, PACKAGES[0].dir) });
  const packOutput = run('npm', ['pack', '--json', '--pack-destination', tarballs, ...PACKAGES.flatMap((p) => ['-w', p.dir])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The prepack builds print to the same stdout: the JSON report is the last top-level array.
  const packed = JSON.parse(packOutput.slice(packOutput.lastIndexOf('\n[\n') + 1));
  for (const pkg of PACKAGES) pkg.name = manifest(pkg.dir).name;
  for (const info of packed) checkTarball(info);
  for (const [dir, text] of before) {
    if (readFileSync(join(root, dir, 'package.json'), 'utf8') !== text) fail(`${dir}/package.json differs after npm pack`);
  }

  step('install the tarballs into a fresh project');
  writeApp(packed);
  // --engine-strict whenever this Node is one every package admits (CI's Node 24 is).
  const admitted = PACKAGES.every((p) => semver.satisfies(process.version, manifest(p.dir).engines?.node ?? '*'));
  if (!admitted) console.log(`Node ${process.version} is below some package's engines: installing without --engine-strict`);
  const strict = admitted ? ['--engine-strict'] : [];
  run('npm', ['install', ...strict, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'inherit' });
  checkEngines(packed);

  step(`import and require on Node ${process.version}`);
  writeFileSync(join(app, 'load.mjs'), loadScript('import'));
  writeFileSync(join(app, 'load.cjs'), loadScript('require'));
  writeFileSync(join(app, 'one-copy.cjs'), ONE_COPY_CJS);
  copyFileSync(join(root, 'scripts/smoke.mjs'), join(app, 'smoke.mjs'));
  for (const script of ['load.mjs', 'load.cjs', 'one-copy.cjs', 'smoke.mjs']) {
    try {
      process.stdout.write(run(process.execPath, [script], { cwd: app }));
    } catch (error) {
      fail(`${script}: ${error.stderr || error.message}`);
    }
  }

  step('strict type-check (no DOM lib), publint and attw, two at a time');
  writeTypeCheck();
  await runChecks([...typeChecks(), ...packed.flatMap((info) => lintChecks(join(tarballs, info.filename), info.name))]);
} finally {
  if (keep) console.log(`\nconsumer-test: left ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

step('done');
console.log(`consumer-test: ${PACKAGES.length} packages, ${failures.length} failure(s)`);
process.exitCode = failures.length > 0 ? 1 : 0;
}

function checkTarball(info) {
  const files = new Set(info.files.map((f) => f.path));
  const missing = ['package.json', 'LICENSE', 'README.md', 'dist/index.js', 'dist/index.d.ts'].filter((f) => !files.has(f));
  if (missing.length > 0) fail(`${info.name}: the tarball lacks ${missing.join(', ')}`);
  const shipped = JSON.parse(run('tar', ['-xOzf', join(tarballs, info.filename), 'package/package.json']));
  if (JSON.stringify(shipped).includes('@sluice/source')) fail(`${info.name}: the packed package.json still has the @sluice/source condition`);
  const workspace = manifest(PACKAGES.find((p) => p.name === info.name).dir);
  if (!JSON.stringify(workspace.exports).includes('@sluice/source')) fail(`${info.name}: the workspace package.json lost its @sluice/source condition`);
  if (existsSync(join(root, PACKAGES.find((p) => p.name === info.name).dir, '.package.workspace.json'))) fail(`${info.name}: postpack left .package.workspace.json`);
  console.log(`${info.filename}: ${info.entryCount} files, ${info.size} bytes, source condition stripped`);
}

function writeApp(packed) {
  const dependencies = Object.fromEntries(packed.map((info) => [info.name, `file:../tarballs/${info.filename}`]));
  const rootLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const typesNode = rootLock.packages['node_modules/@types/node'].version;
  const pkg = { name: 'sluice-consumer', private: true, type: 'module', dependencies, devDependencies: { '@types/node': typesNode } };
  writeFileSync(join(app, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
}

/** Node's lookup of a package folder: `node_modules/<name>` in `from` and each folder above it (exports do not matter). */
function findPackageJson(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The Node versions a range admits that matter: the lowest of each of its parts, and each later major's x.0.0. */
function probeVersions(range) {
  const parsed = new semver.Range(range);
  const lows = parsed.set.map((comparators) => semver.minVersion(comparators.map((c) => c.value).join(' ')).version);
  const majors = Array.from({ length: 10 }, (_, i) => `${semver.major(lows[0]) + i}.0.0`);
  return [...new Set([...lows, ...majors])].filter((version) => semver.satisfies(version, parsed)).sort(semver.compare);
}

/**
 * Each package's `engines.node` must be true of everything `npm install` brings with it: its
 * dependencies and its peers, transitively. Every Node version the range admits (probed at
 * the lowest of each part and at each major) must satisfy each of those packages' engines.
 */
function checkEngines(packed) {
  for (const info of packed) {
    const range = manifest(PACKAGES.find((p) => p.name === info.name).dir).engines?.node;
    if (!range) {
      fail(`${info.name}: no engines.node`);
      continue;
    }
    const probes = probeVersions(range);
    const seen = new Set();
    const queue = [{ name: info.name, from: app }];
    const refused = [];
    while (queue.length > 0) {
      const { name, from } = queue.shift();
      const file = findPackageJson(name, from);
      if (!file) continue; // an optional peer that is not installed
      if (seen.has(file)) continue;
      seen.add(file);
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      const needs = pkg.engines?.node;
      const unmet = needs ? probes.filter((version) => !semver.satisfies(version, needs)) : [];
      if (unmet.length > 0) refused.push(`${name}@${pkg.version} needs Node ${needs} (not ${unmet.join(', ')})`);
      for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) queue.push({ name: dep, from: resolve(file, '..') });
    }
    if (refused.length > 0) fail(`${info.name} declares Node ${range}, but ${refused.join('; ')}`);
    else console.log(`engines ${info.name}: Node ${range} (probed ${probes.join(', ')}) satisfies all ${seen.size} packages it installs`);
  }
}

function loadScript(mode) {
  const lines = [];
  for (const pkg of PACKAGES) {
    for (const [entry, named] of Object.entries(pkg.entries)) {
      const spec = `${pkg.name}${entry}`;
      const load = mode === 'import' ? `await import(${JSON.stringify(spec)})` : `require(${JSON.stringify(spec)})`;
      lines.push(`{`);
      lines.push(`  const m = ${load};`);
      if (named) lines.push(`  if (typeof m[${JSON.stringify(named)}] !== 'function') throw new Error(${JSON.stringify(`${spec}: no ${named}`)});`);
      lines.push(`  console.log(${JSON.stringify(`${mode} ${spec}: `)} + Object.keys(m).length + ' exports');`);
      lines.push(`}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Two projects: everything but @sluice/testing without the DOM lib, and @sluice/testing (msw's types need DOM). */
function writeTypeCheck() {
  const compilerOptions = {
    target: 'ES2023',
    lib: ['ES2023'],
    types: ['node'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    noEmit: true,
  };
  const write = (file, value) => writeFileSync(join(app, file), typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
  write('tsconfig.json', { compilerOptions, include: ['types.mts', 'types.cts'] });
  write('tsconfig.testing.json', { compilerOptions: { ...compilerOptions, lib: ['ES2023', 'DOM'] }, include: ['testing.mts'] });
  write('types.mts', TYPES_ESM);
  write('types.cts', TYPES_CJS);
  write('testing.mts', TYPES_TESTING);
}

/** The strict type checks: the repository's TypeScript and TypeScript 6 (tools/api-docs), each on both projects. */
function typeChecks() {
  const compilers = [
    ['typescript (repository)', join(root, 'node_modules/typescript/bin/tsc')],
    ['typescript 6 (tools/api-docs)', join(root, 'tools/api-docs/node_modules/typescript/bin/tsc')],
  ].filter(([, tsc]) => existsSync(tsc));
  return compilers.flatMap(([label, tsc]) => {
    const version = run(process.execPath, [tsc, '--version']).trim();
    return [
      { label: `tsc ${label}, ${version}: 0 errors (lib ES2023, no DOM)`, args: [tsc, '-p', 'tsconfig.json'], cwd: app },
      { label: `tsc ${label}, ${version}: @sluice/testing, 0 errors (lib ES2023 + DOM, for msw)`, args: [tsc, '-p', 'tsconfig.testing.json'], cwd: app },
    ];
  });
}

function lintChecks(file, name) {
  const publint = join(root, 'node_modules/publint/src/cli.js');
  const attw = join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js');
  return [
    { label: `publint ${name}`, args: [publint, file, '--strict'], lastLine: true },
    {
      label: `attw ${name}: no problems (default profile, ignoring ${ATTW_IGNORED.join(', ')})`,
      args: [attw, file, '--format', 'ascii', '--no-color', '--ignore-rules', ...ATTW_IGNORED],
    },
  ];
}

/** Runs the checks on this Node, two at a time (the CI machine has two cores), and reports them in order. */
async function runChecks(checks) {
  const results = new Array(checks.length);
  let next = 0;
  const worker = async () => {
    while (next < checks.length) {
      const index = next++;
      const { args, cwd = root } = checks[index];
      results[index] = await new Promise((done) => {
        execFile(process.execPath, args, { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => done({ error, stdout, stderr }));
      });
    }
  };
  await Promise.all([worker(), worker()]);
  checks.forEach((check, index) => {
    const { error, stdout, stderr } = results[index];
    if (error) fail(`${check.label}:\n${stdout}${stderr}`);
    else console.log(check.lastLine ? `${check.label}: ${stdout.trim().split('\n').at(-1)}` : check.label);
  });
}

// One copy of @sluice/core: the client's errors are the app's classes, even through require().
const ONE_COPY_CJS = `const { createServer } = require('node:http');
const core = require('@sluice/core');
const { createClient } = require('sluice');
const coreFromSluice = require(require.resolve('@sluice/core', { paths: [require.resolve('sluice')] }));
if (coreFromSluice !== core) throw new Error('two copies of @sluice/core are installed');
const server = createServer((_, res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"gone"}'));
server.listen(0, '127.0.0.1', async () => {
  try {
    const client = createClient({ baseUrl: 'http://127.0.0.1:' + server.address().port });
    const error = await client.get('missing').json().catch((e) => e);
    if (!(error instanceof core.NotFoundError) || !(error instanceof core.HttpError)) throw new Error('got ' + error);
    console.log('require: one copy of @sluice/core; a 404 is a NotFoundError and an HttpError');
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    server.close();
  }
});
`;

const TYPES_ESM = `import { compose, HttpError, NotFoundError, retry, type Middleware, type SluiceFetch } from '@sluice/core';
import { tokenAuth, type TokenProvider } from '@sluice/auth';
import { createClient, type SluiceClient } from 'sluice';
import { redisTokenStore, type RedisClientLike } from '@sluice/redis';
import * as otel from '@sluice/otel';
import * as cache from '@sluice/cache';

const tag: Middleware = { name: 'tag', handle: (request, _context, next) => next(request) };
const pipeline: SluiceFetch = compose([tag, retry({ limit: 1 })], { fetch: globalThis.fetch });
const provider: TokenProvider = { getToken: async () => ({ accessToken: 'abc' }) };
const client: SluiceClient = createClient({ baseUrl: 'https://api.example.com', auth: tokenAuth(provider) });
export const getUser = (): Promise<{ id: number }> => client.get('users/1').json<{ id: number }>();
// Per-request options that middlewares add to RequestOptions by declaration merging.
export const once = (): Promise<Response> => pipeline('https://api.example.com/x', { retry: false, timeout: { attempt: 1_000 }, skip: ['tag'] });
export const noRetry = (): Promise<unknown> => client.get('users/1', { retry: { limit: 0 }, auth: false }).json();
export function status(error: unknown): number | undefined {
  if (error instanceof NotFoundError) return 404;
  return error instanceof HttpError ? error.status : undefined;
}
export const sharedStore = (client: RedisClientLike) => redisTokenStore(client);
export { pipeline, otel, cache };
`;

const TYPES_CJS = `import core = require('@sluice/core');
import sluice = require('sluice');

export const client: sluice.SluiceClient = sluice.createClient({ baseUrl: 'https://api.example.com' });
export const isHttp = (error: unknown): error is core.HttpError => error instanceof core.HttpError;
`;

const TYPES_TESTING = `import { NotFoundError } from '@sluice/core';
import { paginatedCollection, rateLimitedApi } from '@sluice/testing';
import { serve } from '@sluice/testing/node';
import { createClient } from 'sluice';

const api = rateLimitedApi({ rate: 1, burst: 1, headers: 'retry-after', url: '/limited' });
const server = await serve([api, paginatedCollection([1, 2, 3], 'pageNumber', { url: '/items' })]);
const client = createClient({ baseUrl: server.url });
const items: number[] = await client.get('items').json<number[]>();
const missing = await client.get('nothing').json().catch((error: unknown) => error instanceof NotFoundError);
await server.close();
export { items, missing };
`;

await main();
