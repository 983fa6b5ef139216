import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { getResponse, type RequestHandler } from 'msw';
import { type HandlerSet, toHandlers } from './handler-set.js';
import { type Listening, listen } from './listen.js';

/**
 * A running local server (see {@link serve}).
 *
 * @example
 * ```ts
 * const server: ServedHandlers = await serve([]);
 * await server.close();
 * ```
 */
export type ServedHandlers = Listening;

/**
 * Options of {@link serve}.
 *
 * @example
 * ```ts
 * const options: ServeOptions = { port: 0 };
 * ```
 */
export interface ServeOptions {
  /** The port. Default `0`: any free port. */
  port?: number;
}

/**
 * Serves msw handlers (and the kit's handler sets) on a real `127.0.0.1` port with
 * `node:http`, for demos, benchmarks and clients that cannot be intercepted. Each request
 * runs through the handlers in order; one that no handler answers gets a 404. A
 * `Response.error()` answer (the kit's `'reset'` fault) drops the connection.
 *
 * @example
 * ```ts
 * import { paginatedCollection } from '@sluice/testing';
 * import { serve } from '@sluice/testing/node';
 *
 * const server = await serve([paginatedCollection([1, 2, 3], 'pageNumber', { url: '/items' })]);
 * const response = await fetch(`${server.url}/items?per_page=2`);
 * await server.close();
 * ```
 */
export async function serve(handlers: readonly (RequestHandler | HandlerSet)[], options: ServeOptions = {}): Promise<ServedHandlers> {
  if (!Array.isArray(handlers)) throw new TypeError('serve(): "handlers" must be an array of msw handlers or handler sets.');
  const { port = 0 } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new TypeError(`serve(): "port" must be an integer from 0 to 65535, got ${String(port)}.`);
  const list = toHandlers(handlers);
  let base = '';

  const server = createServer((req, res) => {
    handle(list, base, req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`Handler failed: ${error instanceof Error ? error.message : String(error)}`);
      } else res.destroy();
    });
  });
  const listening = await listen(server, port);
  base = listening.url;
  return listening;
}

async function handle(handlers: RequestHandler[], base: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new DOMException('The client closed the connection.', 'AbortError'));
  });
  const method = req.method ?? 'GET';
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  let body: Uint8Array | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    body = Buffer.concat(chunks);
  }
  const request = new Request(new URL(req.url ?? '/', base), {
    method,
    headers,
    body: body && body.byteLength > 0 ? (body as Uint8Array<ArrayBuffer>) : null,
    signal: controller.signal,
  });
  const response = await getResponse(handlers, request, { baseUrl: base });
  if (!response) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(`No handler for ${method} ${req.url ?? '/'}`);
    return;
  }
  if (response.type === 'error') {
    req.socket.destroy();
    return;
  }
  const outHeaders: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    if (key !== 'set-cookie') outHeaders[key] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) outHeaders['set-cookie'] = cookies;
  res.writeHead(response.status, response.statusText, outHeaders);
  if (!response.body || method === 'HEAD') {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  res.once('close', cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drainOrClose(res);
      if (res.destroyed) return;
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    res.off('close', cancel);
  }
}

/** Resolves when `res` can take more data, or when its connection closed (a client gone mid-body). */
function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export { type Listening, listen } from './listen.js';
export { type TestLifecycle, useServer } from './use-server.js';
