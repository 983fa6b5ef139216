import { type HandlerSet, toHandlers } from '@sluice/testing';
import { type ServedHandlers, serve } from '@sluice/testing/node';
import { getResponse, HttpResponse, http, type RequestHandler } from 'msw';

/**
 * A local server whose handlers are installed after it started (see {@link serveLate}).
 *
 * @example
 * ```ts
 * const server: LateServer = await serveLate();
 * server.use([http.get('/health', () => new Response('ok'))]);
 * await server.close();
 * ```
 */
export interface LateServer extends ServedHandlers {
  /** Replaces the handlers that answer from now on. */
  use(handlers: readonly (RequestHandler | HandlerSet)[]): void;
}

/**
 * Serves on 127.0.0.1 first and takes its handlers afterwards, for simulated services that
 * must know their own URL (an OAuth issuer, a registry that points back at itself).
 * Until `use` is called, and for requests no handler answers, the answer is a JSON 404.
 *
 * @example
 * ```ts
 * import { oauthServer } from '@sluice/testing';
 *
 * const server = await serveLate();
 * const oauth = oauthServer({ issuer: server.url, clients: [{ clientId: 'svc', clientSecret: 's' }] });
 * server.use([oauth]);
 * ```
 */
export async function serveLate(): Promise<LateServer> {
  let handlers: RequestHandler[] = [];
  const served = await serve([
    http.all('*', async ({ request }) => (await getResponse(handlers, request, { baseUrl: served.url })) ?? HttpResponse.json({ error: 'not found' }, { status: 404 })),
  ]);
  return {
    url: served.url,
    close: () => served.close(),
    use(next) {
      handlers = toHandlers(next);
    },
  };
}
