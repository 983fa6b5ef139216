/**
 * `node --cpu-prof` target: `tsx --conditions=@sluice/source bench/overhead/profile.ts <contender> [requests]`
 * runs one overhead contender in a loop, so the profile shows where its time goes.
 */
import { CONTENDERS } from './contenders.js';

const [name = 'sluice core stack', count = '200000'] = process.argv.slice(2);
const setup = CONTENDERS[name];
if (!setup) throw new Error(`unknown contender "${name}"; known: ${Object.keys(CONTENDERS).join(', ')}`);
const call = await setup();
const started = performance.now();
for (let i = 0; i < Number(count); i++) await call();
const perCall = ((performance.now() - started) * 1000) / Number(count);
console.log(`${name}: ${perCall.toFixed(2)} µs per call over ${count} calls`);
