import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as TlsServer } from 'node:tls';

/**
 * A server listening on a free `127.0.0.1` port (see {@link listen}).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { type Listening, listen } from '@sluice/testing/node';
 *
 * const listening: Listening = await listen(createServer((_req, res) => res.end('ok')));
 * await listening.close();
 * ```
 */
export interface Listening {
  /** The origin, e.g. `http://127.0.0.1:53211` (`https:` for a TLS server; no trailing slash). */
  readonly url: string;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/**
 * Starts a `node:http` or `node:https` server on a free `127.0.0.1` port, for tests that
 * need a real socket (redirects, TLS, a body cut off mid-stream). A failure to listen
 * rejects.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { listen } from '@sluice/testing/node';
 *
 * const server = await listen(createServer((_req, res) => res.end('ok')));
 * const text = await (await fetch(`${server.url}/`)).text(); // 'ok'
 * await server.close();
 * ```
 */
export async function listen(server: HttpServer | TlsServer, port = 0): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const scheme = server instanceof TlsServer ? 'https' : 'http';
  return {
    url: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
