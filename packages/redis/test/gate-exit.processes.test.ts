// docs/redis.md: the rate gate's subscriber "never keeps a process alive", Redis gone included.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from './redis-server.js';

const script = fileURLToPath(new URL('./fixtures/gate-exit.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
let server: RedisServer | undefined;
afterAll(() => server?.stop());

describe('redisRateGate and the end of a process', () => {
  it('a process whose Redis went away exits once its own client and server are closed', async () => {
    server = await startRedis();
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@sluice/source', script, server.url], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const ready = new Promise<boolean>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('ready')) resolve(true);
      });
      void exited.then(() => resolve(false));
    });
    expect(await ready, `the child exited before it was ready: ${stderr}`).toBe(true);
    await server.kill();
    child.stdin.write('redis is gone\n');
    // Not a timed assertion: only a bound on a hang, far above the few ms an exit takes.
    const hang = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const ended = await exited;
    clearTimeout(hang);
    expect(ended, `the child's stderr: ${stderr}`).toEqual({ code: 0, signal: null });
  }, 60_000);
});
