/** Local node:http servers for the benchmark, bound to 127.0.0.1 on a free port. */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running server: its base URL and a close function. */
export interface LocalServer {
  readonly url: string;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer> {
  const server: Server = createServer(handler);
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Answers every request with a small JSON body: the pipeline-overhead target. */
export function plainServer(): Promise<LocalServer> {
  const body = JSON.stringify({ ok: true, items: [1, 2, 3] });
  return listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}

/** Counters of {@link rotatingTokenServer}. */
export interface TokenCounts {
  tokenCalls: number;
  unauthorized: number;
}

/**
 * An OAuth-ish server where each new token revokes the previous one: `POST /token`
 * (client_credentials or refresh_token) issues `t<n>`; `GET /data` wants the current one
 * and answers 401 `invalid_token` otherwise. The token endpoint takes `tokenDelayMs`.
 */
export async function rotatingTokenServer(tokenDelayMs = 20): Promise<LocalServer & { counts: TokenCounts }> {
  const counts: TokenCounts = { tokenCalls: 0, unauthorized: 0 };
  let generation = 0;
  const server = await listen((req, res) => {
    if (req.method === 'POST' && req.url?.startsWith('/token')) {
      req.resume();
      counts.tokenCalls++;
      setTimeout(() => {
        generation++;
        const body = JSON.stringify({
          access_token: `t${generation}`,
          token_type: 'Bearer',
          expires_in: 3600,
          refresh_token: `r${generation}`,
        });
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(body);
      }, tokenDelayMs);
      return;
    }
    if (req.headers.authorization === `Bearer t${generation}` && generation > 0) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
      return;
    }
    counts.unauthorized++;
    res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'text/plain' });
    res.end('invalid token');
  });
  return { ...server, counts };
}
