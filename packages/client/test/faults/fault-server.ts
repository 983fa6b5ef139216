import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One misbehaviour: what the server does with a request (the path picks it). */
export type Behaviour = (req: IncomingMessage, res: ServerResponse, hit: Hit) => void;

/** What the server knows about one request it received. */
export interface Hit {
  /** The `x-fault-id` header: which logical request of the run this is. */
  id: string;
  /** How many requests with this id arrived so far, this one included. */
  count: number;
  path: string;
  url: URL;
  headers: IncomingMessage['headers'];
}

/**
 * A real `node:http` server on loopback that misbehaves on command: each path is bound to
 * a {@link Behaviour}. Counts requests per fault id and per path, tracks open sockets and
 * the bytes each response wrote, and closes every connection on `close()`.
 */
export interface FaultServer {
  readonly url: string;
  on(path: string, behaviour: Behaviour): void;
  /** Requests that arrived per fault id. */
  readonly hits: Map<string, number>;
  /** Requests that arrived per path. */
  readonly pathHits: Map<string, number>;
  /** Every request received, in order (for credential checks). */
  readonly received: Hit[];
  /** The most bytes one response body wrote before its socket closed or it ended. */
  maxBodyBytes: number;
  reset(): void;
  close(): Promise<void>;
}

export async function startFaultServer(): Promise<FaultServer> {
  const behaviours = new Map<string, Behaviour>();
  const state = {
    hits: new Map<string, number>(),
    pathHits: new Map<string, number>(),
    received: [] as Hit[],
    maxBodyBytes: 0,
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fault.local');
    const id = String(req.headers['x-fault-id'] ?? '');
    const count = (state.hits.get(id) ?? 0) + 1;
    state.hits.set(id, count);
    state.pathHits.set(url.pathname, (state.pathHits.get(url.pathname) ?? 0) + 1);
    const hit: Hit = { id, count, path: url.pathname, url, headers: req.headers };
    state.received.push(hit);
    req.resume();
    const behaviour = behaviours.get(url.pathname);
    if (!behaviour) {
      res.writeHead(404).end();
      return;
    }
    behaviour(req, res, hit);
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    on: (path, behaviour) => behaviours.set(path, behaviour),
    get hits() {
      return state.hits;
    },
    get pathHits() {
      return state.pathHits;
    },
    get received() {
      return state.received;
    },
    get maxBodyBytes() {
      return state.maxBodyBytes;
    },
    set maxBodyBytes(value: number) {
      state.maxBodyBytes = value;
    },
    reset() {
      state.hits.clear();
      state.pathHits.clear();
      state.received.length = 0;
      state.maxBodyBytes = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Writes `total` bytes in 64 KiB chunks, respecting back-pressure, and stops as soon as the
 * client goes away; reports the bytes it wrote through `done`.
 */
export function streamBytes(res: ServerResponse, total: number, done: (written: number) => void): void {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let written = 0;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    done(written);
  };
  res.on('close', finish);
  const pump = () => {
    while (written < total && !res.destroyed) {
      written += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end(finish);
  };
  pump();
}
