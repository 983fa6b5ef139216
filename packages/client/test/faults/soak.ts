/**
 * `npm run soak`: the fault suite at 1,000 requests per fault, printed as a table (one row
 * per fault). Exits non-zero when any row has a problem. `SOAK_REQUESTS=200 npm run soak`
 * runs a smaller size.
 */
import { FAULTS } from './faults.js';
import { formatTable, type FaultRow, runFault, SOAK_SIZE } from './harness.js';

const requests = Number(process.env.SOAK_REQUESTS ?? SOAK_SIZE.requests);
if (!Number.isInteger(requests) || requests < 1) throw new TypeError(`SOAK_REQUESTS must be a positive integer, got ${process.env.SOAK_REQUESTS}.`);
const size = { ...SOAK_SIZE, requests };
const rows: FaultRow[] = [];
const started = performance.now();
for (const fault of FAULTS) {
  const row = await runFault(fault, size);
  rows.push(row);
  process.stderr.write(`${row.problems.length === 0 ? 'ok  ' : 'FAIL'} ${fault.name}\n`);
}
console.log(`Fault soak: ${requests} requests per fault, concurrency ${size.concurrency}, timeout { attempt: ${size.attempt}, total: ${size.total} }, ${Math.round((performance.now() - started) / 1000)} s\n`);
console.log(formatTable(rows));
const failed = rows.filter((row) => row.problems.length > 0);
for (const row of failed) console.log(`\n${row.fault}:\n  ${row.problems.join('\n  ')}`);
process.exitCode = failed.length > 0 ? 1 : 0;
