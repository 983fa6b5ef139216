import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { NetworkError, NotFoundError } from '@sluice/core';
import { ProxyAgent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, dispatcherFetch } from '../src/index.js';

// A real target server and a real forward proxy (CONNECT tunnels), both on 127.0.0.1.
let target: Server;
let proxy: Server;
/** The target hosts the proxy carried traffic to. */
const tunnels: string[] = [];
const sockets = new Set<Socket>();

const listen = (server: Server) =>
  new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

beforeAll(async () => {
  target = createServer((request, response) => {
    if (request.url === '/missing') return response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no"}');
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: request.method, url: request.url, body })));
  });
  // Plain-HTTP targets come as absolute-form requests; HTTPS ones through CONNECT tunnels.
  proxy = createServer((request, response) => {
    const url = new URL(String(request.url));
    tunnels.push(url.host);
    const upstream = httpRequest(url, { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => response.writeHead(502).end());
    request.pipe(upstream);
  });
  proxy.on('connect', (request, client: Socket) => {
    tunnels.push(String(request.url));
    const [host, port] = String(request.url).split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
  });
  await Promise.all([listen(target), listen(proxy)]);
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all([new Promise((r) => target.close(r)), new Promise((r) => proxy.close(r))]);
});

const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

describe('dispatcherFetch: requests through an undici dispatcher (a proxy here)', () => {
  it('sends GETs and streamed POST bodies through the proxy, with typed errors on the way back', async () => {
    const agent = new ProxyAgent(urlOf(proxy));
    try {
      const client = createClient({ baseUrl: urlOf(target), fetch: dispatcherFetch(agent, undiciFetch), retry: false });
      expect(await client.get('items?a=1').json()).toEqual({ method: 'GET', url: '/items?a=1', body: '' });
      expect(await client.post('items', { json: { n: 1 } }).json()).toEqual({ method: 'POST', url: '/items', body: '{"n":1}' });
      await expect(client.get('missing').json()).rejects.toBeInstanceOf(NotFoundError);
      expect(tunnels.length).toBeGreaterThan(0);
      expect(tunnels.every((t) => t === new URL(urlOf(target)).host)).toBe(true);
    } finally {
      await agent.close();
    }
  });

  it('surfaces a dead proxy as a NetworkError', async () => {
    const dead = createServer();
    const deadUrl = await listen(dead);
    await new Promise((r) => dead.close(r));
    const agent = new ProxyAgent(deadUrl);
    try {
      const client = createClient({ baseUrl: urlOf(target), fetch: dispatcherFetch(agent, undiciFetch), retry: false });
      await expect(client.get('items').json()).rejects.toBeInstanceOf(NetworkError);
    } finally {
      await agent.close();
    }
  });

  it('refuses bad arguments with a TypeError', () => {
    expect(() => dispatcherFetch(undefined as never, undiciFetch)).toThrow(/must be an undici Dispatcher/);
    expect(() => dispatcherFetch(new ProxyAgent('http://127.0.0.1:9'), undefined as never)).toThrow(/pass undici's fetch/);
  });
});
