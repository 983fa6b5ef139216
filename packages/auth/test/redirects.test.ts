import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type Listening, listen } from '@sluice/testing/node';
import { apiKey, bearer } from '@sluice/auth';
import { compose } from '@sluice/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Hit {
  server: 'home' | 'other';
  method: string;
  path: string;
  authorization: string | undefined;
  apiKey: string | undefined;
  body: string;
}

const hits: Hit[] = [];
let home: Listening;
let other: Listening;
let HOME = '';
let OTHER = '';

function start(name: Hit['server'], routes: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Listening> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      hits.push({ server: name, method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, apiKey: req.headers['x-api-key'] as string | undefined, body });
      routes(req, res, body);
    });
  });
  return listen(server);
}

function redirect(res: ServerResponse, status: number, location: string) {
  res.writeHead(status, { location });
  res.end();
}

beforeAll(async () => {
  home = await start('home', (req, res) => {
    const path = req.url ?? '';
    if (path === '/same') return redirect(res, 302, '/final');
    if (path === '/cross') return redirect(res, 302, `${OTHER}/landing`);
    if (path === '/cross-back') return redirect(res, 302, `${OTHER}/bounce`);
    if (path === '/post-307') return redirect(res, 307, '/final');
    if (path === '/post-303') return redirect(res, 303, '/final');
    if (path === '/loop') return redirect(res, 302, '/loop');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  other = await start('other', (req, res) => {
    if (req.url === '/bounce') return redirect(res, 302, `${HOME}/final`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  HOME = home.url;
  OTHER = other.url;
});

afterAll(async () => {
  await Promise.all([home.close(), other.close()]);
});

function take(): Omit<Hit, 'body' | 'apiKey'>[] {
  return hits.splice(0).map(({ server, method, path, authorization }) => ({ server, method, path, authorization }));
}

describe('redirects', () => {
  it('re-attaches credentials on a same-origin redirect', async () => {
    const response = await compose([bearer('secret', { origins: [HOME] })])(`${HOME}/same`);
    expect(response.status).toBe(200);
    expect(take()).toEqual([
      { server: 'home', method: 'GET', path: '/same', authorization: 'Bearer secret' },
      { server: 'home', method: 'GET', path: '/final', authorization: 'Bearer secret' },
    ]);
  });

  it('sends no credentials after a cross-origin redirect, even to an allowlisted origin, and again on the way back', async () => {
    const pipeline = compose([bearer('secret', { origins: [HOME, OTHER] })]);
    expect((await pipeline(`${HOME}/cross`)).status).toBe(200);
    expect((await pipeline(`${HOME}/cross-back`, { headers: { authorization: 'Bearer caller-set' } })).status).toBe(200);
    expect(take()).toEqual([
      { server: 'home', method: 'GET', path: '/cross', authorization: 'Bearer secret' },
      { server: 'other', method: 'GET', path: '/landing', authorization: undefined },
      { server: 'home', method: 'GET', path: '/cross-back', authorization: 'Bearer secret' },
      { server: 'other', method: 'GET', path: '/bounce', authorization: undefined },
      { server: 'home', method: 'GET', path: '/final', authorization: 'Bearer secret' },
    ]);
  });

  it('drops an API key header on a cross-origin hop', async () => {
    await compose([apiKey({ header: 'X-Api-Key', value: 'k-123', origins: [HOME] })])(`${HOME}/cross`);
    expect(hits.splice(0).map((h) => [h.server, h.apiKey])).toEqual([
      ['home', 'k-123'],
      ['other', undefined],
    ]);
  });

  it('keeps method and body on 307, turns a POST into a GET on 303', async () => {
    const pipeline = compose([bearer('secret', { origins: [HOME] })]);
    await pipeline(`${HOME}/post-307`, { method: 'POST', body: 'payload' });
    await pipeline(`${HOME}/post-303`, { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } });
    expect(hits.splice(0).map((h) => [h.method, h.path, h.body, h.authorization])).toEqual([
      ['POST', '/post-307', 'payload', 'Bearer secret'],
      ['POST', '/final', 'payload', 'Bearer secret'],
      ['POST', '/post-303', 'payload', 'Bearer secret'],
      ['GET', '/final', '', 'Bearer secret'],
    ]);
  });

  it("leaves a caller's redirect: 'manual' alone", async () => {
    const response = await compose([bearer('secret', { origins: [HOME] })])(`${HOME}/same`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(take()).toHaveLength(1);
  });

  it('stops a redirect loop after 20 hops', async () => {
    await expect(compose([bearer('secret', { origins: [HOME] })])(`${HOME}/loop`)).rejects.toThrow(/more than 20 redirects/);
    hits.length = 0;
  });
});
