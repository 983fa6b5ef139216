import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Bundles `source` as an app would (ESM, minified, tree-shaken) and returns the output. */
async function bundle(source: string): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['@sluice/source'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** Strings only the opt-in middlewares contain (their names and a message). */
const OPT_IN = ['"dedupe"', '"circuitBreaker"', '"rateLimit"', 'half-opens'];

describe('the opt-in middlewares are shaken away from the standard stack', () => {
  it('createClient alone carries none of them', async () => {
    const code = await bundle(`import { createClient } from 'sluice'; export const client = createClient();`);
    expect(code.length).toBeGreaterThan(10_000);
    for (const marker of OPT_IN) expect(code).not.toContain(marker);
  });

  it('an app that imports one carries that one (the check can see them)', async () => {
    const code = await bundle(
      `import { createClient } from 'sluice'; import { circuitBreaker, dedupe } from '@sluice/core';
       export const client = createClient({ middleware: [dedupe(), circuitBreaker()] });`,
    );
    expect(code).toContain('"dedupe"');
    expect(code).toContain('"circuitBreaker"');
    expect(code).toContain('half-opens');
    expect(code).not.toContain('"rateLimit"');
  });
});

/** Strings only @sluice/auth's middleware machinery contains (auth-middleware.ts, authorize.ts). */
const AUTH_MACHINERY = ['no origin to send credentials to', 'a token refresh'];

describe("a client without auth carries none of @sluice/auth's machinery", () => {
  it('createClient alone: its default auth slot is the client\'s own light one', async () => {
    const code = await bundle(`import { createClient } from 'sluice'; export const client = createClient();`);
    for (const marker of AUTH_MACHINERY) expect(code).not.toContain(marker);
  });

  it('an app that gives an auth carries it (the check can see it)', async () => {
    const code = await bundle(
      `import { createClient } from 'sluice'; import { bearer } from '@sluice/auth';
       export const client = createClient({ auth: bearer('t') });`,
    );
    for (const marker of AUTH_MACHINERY) expect(code).toContain(marker);
  });
});
