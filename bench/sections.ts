/**
 * The table of bench sections. A section is a name, one line saying what it measures,
 * and a `run` that returns rows for the summary table. To add one, write
 * `bench/<name>.ts` exporting an async function of {@link SectionContext} and add an
 * entry here; `npm run bench -- <name>` then runs it alone.
 */
import { featuresSection } from './features.js';
import { loopbackSection } from './loopback.js';
import { overheadSection } from './overhead/section.js';
import type { Row } from './pool.js';
import { rateLimitSection } from './rate-limit.js';
import { refreshSection } from './refresh.js';
import { schedulerRequests, schedulerSection } from './scheduler.js';
import { sizeSection } from './size.js';
import { workersSection } from './workers.js';

/** What every section gets. */
export interface SectionContext {
  /** Prints one progress line. */
  log(line: string): void;
  /** `--quick`: fewer rounds and requests, to check the bench still works (figures are rough). */
  quick: boolean;
}

/** One entry of {@link SECTIONS}. */
export interface Section {
  name: string;
  summary: string;
  run(context: SectionContext): Promise<Row[]>;
  /**
   * `false` when even a shortened run of the section takes minutes: `--quick` (which CI
   * runs, at most 90 s in all) then skips it and says so. Run it by name for its figures.
   */
  quick?: boolean;
}

/** Every section, in the order `npm run bench` runs them. */
export const SECTIONS: readonly Section[] = [
  { name: 'overhead', summary: 'per-request cost in memory, one process per library, × bare fetch', run: overheadSection },
  { name: 'size', summary: 'esbuild browser ESM bundles, minified + gzip', run: sizeSection },
  { name: 'loopback', summary: 'throughput against a local node:http server, × raw fetch and × ky', run: loopbackSection },
  { name: 'rate-limit', summary: 'the 429 scenario: Sluice, ky and a naive loop', run: ({ log, quick }) => rateLimitSection(log, quick ? 25_000 : undefined) },
  { name: 'refresh', summary: 'token refresh under concurrent 401s', run: ({ log }) => refreshSection(log) },
  { name: 'workers', summary: '4 processes sharing one OAuth client, with and without @sluice/redis', run: ({ log, quick }) => workersSection(log, quick), quick: false },
  { name: 'scheduler', summary: "the scheduler issue's targets: token bucket, announced quotas, real limiters, two origins, outage, deadlines, origin memory", run: ({ log, quick }) => schedulerSection(log, quick ? 400 : schedulerRequests()), quick: false },
  { name: 'features', summary: 'the features scenarios (see bench/features.ts)', run: ({ log }) => featuresSection(log) },
];
