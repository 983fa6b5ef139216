import { describe, expect, it } from 'vitest';
import { FAULTS } from './faults.js';
import { CI_SIZE, formatTable, runFault } from './harness.js';

/**
 * The fault suite at 100 requests per fault (`npm run soak` runs it at 1,000 and prints
 * the table). Each fault runs against its own real node:http servers; see harness.ts for
 * what every row asserts.
 */
describe('fault suite (100 requests per fault)', () => {
  it.each(FAULTS.map((fault) => [fault.name, fault] as const))('%s: every request settles once, typed, within bounds, leaving nothing behind', async (_name, fault) => {
    const row = await runFault(fault, CI_SIZE);
    expect(row.problems, formatTable([row])).toEqual([]);
    expect(row.settled).toBe(CI_SIZE.requests);
  });
});

describe('the harness itself', () => {
  it('sees a leftover timer, a warning, a wrong outcome and too many attempts', async () => {
    const leaked: ReturnType<typeof setInterval>[] = [];
    const row = await runFault(
      {
        name: 'harness self-check',
        setup: ({ server }) => server.on('/ok', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')),
        call: async (call) => {
          if (call.index === 0) {
            leaked.push(setInterval(() => {}, 60_000));
            process.emitWarning('self-check warning');
          }
          return call.client.get('ok', { headers: call.headers }).json();
        },
        outcomes: ['AbortError'],
        maxAttempts: 0,
      },
      { ...CI_SIZE, requests: 4 },
    );
    for (const timer of leaked) clearInterval(timer);
    expect(row.settled).toBe(4);
    expect(row.leftovers.join()).toMatch(/Timeout/);
    expect(row.warnings.join()).toContain('self-check warning');
    expect(row.problems.join('\n')).toMatch(/unexpected outcome ok[\s\S]*1 attempts on the server, more than 0[\s\S]*warnings: [\s\S]*leftover resources/);
  });
});
