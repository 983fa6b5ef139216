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
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    // Not a timed assertion: only a bound on a hang, far above the few ms an exit takes.
    const hang = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the child exited (${code}) before it was ready`)));
    });
    await server.kill();
    child.stdin.write('redis is gone\n');
    const { code, signal } = await exited;
    clearTimeout(hang);
    expect(signal).toBeNull();
    expect(code).toBe(0);
  });
});
