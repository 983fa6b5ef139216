import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@sluice/source', ...defaultClientConditions] },
  // Without "module": Node's own resolution. @opentelemetry/api's "module" build has extensionless imports that Node cannot load.
  ssr: { resolve: { conditions: ['@sluice/source', ...defaultServerConditions.filter((c) => c !== 'module')] } },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    exclude: ['**/*.browser.test.ts', '**/node_modules/**'],
    testTimeout: 30_000,
  },
});
