/** Real rate limiters on a loopback port: express-rate-limit 8 and @fastify/rate-limit 11, counting what they see. */
import type { AddressInfo } from 'node:net';
import fastifyRateLimit from '@fastify/rate-limit';
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import Fastify from 'fastify';

/** The header families the limiters can send. */
export type LimiterKind = 'express draft-6' | 'express draft-7' | 'express draft-8' | 'express legacy X-RateLimit' | 'fastify default' | 'fastify enableDraftSpec';

/** Every kind, in a stable order. */
export const LIMITER_KINDS: readonly LimiterKind[] = [
  'express draft-6',
  'express draft-7',
  'express draft-8',
  'express legacy X-RateLimit',
  'fastify default',
  'fastify enableDraftSpec',
];

/** A running limiter: its URL, what it answered, and a close function. */
export interface RunningLimiter {
  readonly url: string;
  readonly counts: { ok: number; limited: number };
  close(): Promise<void>;
}

/** Starts a limiter that allows `limit` requests per `windowMs` (per client address). */
export async function startLimiter(kind: LimiterKind, limit = 100, windowMs = 1000): Promise<RunningLimiter> {
  const counts = { ok: 0, limited: 0 };
  if (kind.startsWith('express')) {
    const app = express();
    const standard = kind === 'express legacy X-RateLimit' ? false : (kind.slice('express '.length) as 'draft-6' | 'draft-7' | 'draft-8');
    app.use(
      rateLimit({
        windowMs,
        limit,
        standardHeaders: standard,
        legacyHeaders: standard === false,
        handler: (_req, res, _next, options) => {
          counts.limited++;
          res.status(options.statusCode).send(options.message);
        },
      }),
    );
    app.get('/*path', (_req, res) => {
      counts.ok++;
      res.send('ok');
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      counts,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }
  const app = Fastify();
  await app.register(fastifyRateLimit, {
    max: limit,
    timeWindow: windowMs,
    enableDraftSpec: kind === 'fastify enableDraftSpec',
    onExceeded: () => {
      counts.limited++;
    },
  });
  app.get('/*', async () => {
    counts.ok++;
    return 'ok';
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    counts,
    close: async () => {
      await app.close();
    },
  };
}
