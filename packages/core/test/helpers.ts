import { inspect } from 'node:util';
import { createServer } from 'node:http';
import { type Context, compose, type Middleware } from '@sluice/core';

/** The context a pipeline makes for `url`, for calling helpers such as toHttpError outside a chain. */
export function contextFor(url: string): Context {
  let captured: Context | undefined;
  const grab: Middleware = {
    name: 'grab',
    handle(_request, context) {
      captured = context;
      return Promise.resolve(new Response(null));
    },
  };
  void compose([grab])(url);
  if (!captured) throw new Error('no context');
  return captured;
}

/** The error `promise` rejects with; throws if it resolves. */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

/** A port that refuses connections: a server bound to port 0, then closed. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A server's token bucket: `burst` tokens, full at `start`, refilled at `perSecond`. Call it with the time of each request: true = accepted. */
export function tokenBucket(perSecond: number, burst: number, start = 0): (now: number) => boolean {
  let tokens = burst;
  let last = start;
  return (now) => {
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * perSecond);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/** Every view of an error a log could show: message, String, JSON, inspect with depth. */
export function views(value: unknown): string {
  const error = value as Error;
  return [String(error?.message), String(value), JSON.stringify(value), inspect(value, { depth: 10 })].join('\n');
}
