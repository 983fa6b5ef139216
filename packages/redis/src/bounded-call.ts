import type { RedisClientLike } from './client.js';

/** How one bounded call ended. */
export type Settled = { reply: unknown } | { error: unknown } | { timeout: true };

/**
 * Sends `args`, waiting at most `timeoutMs`. At the bound the command is dropped if still
 * queued, and a reply that comes later goes to `onLate`.
 */
export async function boundedCall(client: RedisClientLike, args: string[], timeoutMs: number, onLate: (reply: unknown) => void): Promise<Settled> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<{ timeout: true }>((resolve) => {
    // The verdict waits for the I/O phase after the timer: a reply that arrived while this
    // process was busy (event-loop lag, not a slow Redis) still wins.
    timer = setTimeout(
      () =>
        setImmediate(() => {
          controller.abort();
          resolve({ timeout: true });
        }),
      timeoutMs,
    );
  });
  let pending: Promise<{ reply: unknown } | { error: unknown }>;
  try {
    pending = client.sendCommand(args, { abortSignal: controller.signal }).then(
      (reply) => ({ reply }),
      (error: unknown) => ({ error }),
    );
  } catch (error) {
    pending = Promise.resolve({ error });
  }
  try {
    const settled = await Promise.race([pending, timeout]);
    if ('timeout' in settled) void pending.then((late) => 'reply' in late && onLate(late.reply));
    return settled;
  } finally {
    clearTimeout(timer);
  }
}
