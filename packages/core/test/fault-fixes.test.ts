import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  compose,
  correlationId,
  createRateGate,
  errors,
  HttpError,
  linkHeader,
  NetworkError,
  PaginationError,
  paginate,
  retry,
  SluiceError,
  TimeoutError,
  timeout,
} from '@sluice/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { failure } from './helpers.js';

type Route = (req: IncomingMessage, res: ServerResponse) => void;
const routes = new Map<string, Route>();
const hits = new Map<string, number>();
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterEach(() => {
  routes.clear();
  hits.clear();
});

const noWait = async (): Promise<void> => {};
const stack = () => compose([errors(), correlationId(), retry({ limit: 3, sleep: noWait, gate: false, retryBudget: false })]);

describe('a reset in the middle of a 2xx body (fix 1)', () => {
  it.each(['text', 'json', 'arrayBuffer'] as const)('surfaces from response.%s() as a NetworkError with the correlation id and the redacted URL', async (reader) => {
    routes.set('/half', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"items":[1,2,');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const response = await stack()(`${base}/half?api_key=s3cret`);
    expect(response.status).toBe(200);
    const error = await failure(response[reader]());
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toBeInstanceOf(SluiceError);
    const network = error as NetworkError;
    expect(network.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(network.message).toContain(`GET ${base}/half?api_key=%5BREDACTED%5D failed while reading the response body: network error`);
    expect(network.message).not.toContain('s3cret');
    expect(String((network.cause as Error).message)).toBe('terminated');
  });

  it('keeps url, redirected and type on the guarded response, and a body read to the end is unchanged', async () => {
    routes.set('/moved', (_req, res) => res.writeHead(302, { location: '/ok' }).end());
    routes.set('/ok', (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('fine'));
    const response = await stack()(`${base}/moved`);
    expect(response.url).toBe(`${base}/ok`);
    expect(response.redirected).toBe(true);
    expect(response.type).toBe('basic');
    expect(await response.text()).toBe('fine');
  });
});

describe('deterministic failures are not retried and say why (fix 2)', () => {
  it('a port that fetch blocks (port 1)', async () => {
    const error = (await failure(stack()('http://127.0.0.1:1/x'))) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.attempts).toBe(1);
    expect(error.message).toContain('fetch blocks this port');
    expect(error.message).toContain('not retried');
  });

  it('an unknown scheme', async () => {
    const error = (await failure(stack()('gopher://127.0.0.1/x'))) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.attempts).toBe(1);
    expect(error.message).toContain('fetch does not support the URL scheme');
  });

  it("a redirect loop: fetch's own 21 hops, not 21 per attempt", async () => {
    routes.set('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end());
    const error = (await failure(stack()(`${base}/loop`))) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.attempts).toBe(1);
    expect(error.message).toContain('too many redirects');
    expect(hits.get('/loop')).toBe(21);
  });

  it("redirect: 'error' meeting a redirect", async () => {
    routes.set('/moved', (_req, res) => res.writeHead(301, { location: '/ok' }).end());
    const error = (await failure(stack()(`${base}/moved`, { redirect: 'error' }))) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.attempts).toBe(1);
    expect(error.message).toContain("redirect: 'error'");
    expect(hits.get('/moved')).toBe(1);
  });

  it('an invalid URL is refused before anything is sent, with a TypeError that names it', async () => {
    const error = (await failure(stack()('http://exa mple.test:99999/x'))) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('http://exa mple.test:99999/x');
  });

  it('a transient failure (connection refused) is still retried', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = (await failure(stack()(`http://127.0.0.1:${port}/x`))) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.attempts).toBe(4);
  });

  it('a malformed Link URL in pagination is a PaginationError, not a raw TypeError', async () => {
    routes.set('/items', (_req, res) => res.writeHead(200, { 'content-type': 'application/json', link: '<http://[::1/broken?sig=abc>; rel="next"' }).end('[1,2]'));
    const pages = paginate(stack(), `${base}/items`, linkHeader());
    const error = (await failure(pages.all())) as PaginationError;
    expect(error).toBeInstanceOf(PaginationError);
    expect(error.message).toContain('not a valid URL ("http://[::1/broken")');
    expect(error.message).not.toContain('sig=abc');
  });
});

describe('timer overflow (fix 3)', () => {
  it('maxElapsed: Infinity means no bound: a request held at the gate waits, with no overflow warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      routes.set('/ok', (_req, res) => res.writeHead(200).end('ok'));
      const gate = createRateGate();
      gate.observe(base, new Response(null, { status: 429, headers: { 'retry-after-ms': '40' } }));
      const pipeline = compose([errors(), retry({ maxElapsed: Number.POSITIVE_INFINITY, gate, sleep: noWait })]);
      const response = await pipeline(`${base}/ok`);
      expect(await response.text()).toBe('ok');
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.name)).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it.each([
    ['baseDelay', 2 ** 31],
    ['maxDelay', 2 ** 31],
    ['maxRetryAfter', 3e9],
    ['maxElapsed', 2 ** 31],
  ] as const)('refuses retry %s above 2^31-1 ms with a TypeError naming it', (key, value) => {
    expect(() => retry({ [key]: value })).toThrow(TypeError);
    expect(() => retry({ [key]: value })).toThrow(`"${key}" must be a number of ms ≥ 0, got ${value} (at most 2147483647, the longest timer`);
  });

  it('refuses a backoff delay above 2^31-1 ms instead of firing it at once', async () => {
    routes.set('/fail', (_req, res) => res.writeHead(503).end());
    const pipeline = compose([errors(), retry({ maxElapsed: Number.POSITIVE_INFINITY, backoff: () => 2 ** 31, gate: false })]);
    const error = (await failure(pipeline(`${base}/fail`))) as Error;
    expect(error.message).toContain('"backoff" must return a finite number of ms ≥ 0, got 2147483648');
  });

  it('refuses timeout phases above 2^31-1 ms', () => {
    expect(() => timeout({ attempt: 2 ** 31 })).toThrow(/timeout\(\): "attempt" must be a finite number of ms > 0, got 2147483648 \(at most 2147483647, the longest timer\)/);
  });
});

describe('the error body preview reads JSON only for JSON media types (fix 5)', () => {
  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['application/problem+json', true],
    ['APPLICATION/VND.API+JSON; ext=x', true],
    ['text/plain; note=json', false],
    ['application/json-seq', false],
    ['text/json-ish', false],
  ])('%s parsed as JSON: %s', async (type, parsed) => {
    routes.set('/bad', (_req, res) => res.writeHead(400, { 'content-type': type }).end('{"code":"E1"}'));
    const error = (await failure(compose([errors()])(`${base}/bad`))) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    expect(error.body).toEqual(parsed ? { code: 'E1' } : '{"code":"E1"}');
  });
});

describe('timeouts stay typed', () => {
  it('an attempt timeout is a TimeoutError', async () => {
    routes.set('/hang', () => {});
    const error = await failure(compose([errors(), timeout({ attempt: 50 })])(`${base}/hang`));
    expect(error).toBeInstanceOf(TimeoutError);
  });
});
