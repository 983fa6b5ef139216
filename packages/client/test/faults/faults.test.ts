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
