import { playwright } from '@vitest/browser-playwright';
import { msw } from 'msw/vite';
import { defaultClientConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// The browser suite: the same packages, in headless Chromium (Debian's /usr/bin/chromium),
// with msw's service worker served by its Vite plugin for `setupWorker`.
export default defineConfig({
  plugins: [msw({ mode: 'worker-only' })],
  // Pre-bundle up front so the first run does not reload the page mid-suite.
  optimizeDeps: { include: ['ky', 'jose', 'msw', 'msw/browser'] },
  resolve: { conditions: ['@sluice/source', ...defaultClientConditions] },
  test: {
    include: ['packages/*/test/**/*.browser.test.ts'],
    testTimeout: 30_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
