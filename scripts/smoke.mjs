// Smoke test of the BUILT packages on whatever `node` runs this (the release check runs it
// in a fresh project where the packed tarballs are installed): a real local server, the standard client, a retry, a typed error.
import { createServer } from 'node:http';
import { NotFoundError, ServerError } from '@sluice/core';
import { createClient } from 'sluice';

let flaky = 0;
const seen = [];
const server = createServer((request, response) => {
  seen.push(request.headers['x-correlation-id']);
  if (request.url === '/users/1') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 1, name: 'Ada' }));
  } else if (request.url === '/flaky' && ++flaky < 2) {
    response.writeHead(503, { 'retry-after': '0' }).end('busy');
  } else if (request.url === '/flaky') {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  } else if (request.url === '/down') {
    response.writeHead(500).end('down');
  } else {
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const client = createClient({ baseUrl: `http://127.0.0.1:${port}`, retry: { backoff: () => 1 } });

const results = [];
async function check(name, fn) {
  try {
    await fn();
    results.push([name, true]);
  } catch (error) {
    results.push([name, false]);
    console.error(`smoke: ${name} failed:`, error);
  }
}
const assert = (condition, message) => {
  if (!condition) throw new Error(message);
};

await check('json', async () => {
  const user = await client.get('users/1').json();
  assert(user.name === 'Ada', `unexpected body ${JSON.stringify(user)}`);
  assert(typeof seen.at(-1) === 'string', 'no correlation id header');
});
await check('retry', async () => {
  const body = await client.get('flaky').json();
  assert(body.ok === true && flaky === 2, `flaky=${flaky}`);
  assert(seen.at(-1) === seen.at(-2), 'correlation id changed across attempts');
});
await check('404', async () => {
  const error = await client.get('missing').json().catch((e) => e);
  assert(error instanceof NotFoundError, `got ${error}`);
});
await check('500', async () => {
  const error = await client.get('down', { retry: { limit: 1 } }).json().catch((e) => e);
  assert(error instanceof ServerError && error.attempts === 2, `got ${error}`);
});
server.close();

const failed = results.filter(([, ok]) => !ok).length;
console.log(`smoke test of the built packages on Node ${process.version}`);
console.log(`smoke: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
