import type { Middleware } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { createClient } from '../src/index.js';

const noop: Middleware = { name: 'noop', handle: (request, _context, next) => next(request) };

describe('bad options throw a clear TypeError at creation', () => {
  it.each([
    ['a relative baseUrl', { baseUrl: 'api/v1' }, /"baseUrl" must be an absolute URL .* got "api\/v1"/],
    ['a non-http baseUrl', { baseUrl: 'ftp://files.example.com' }, /"baseUrl" must use http: or https:; got "ftp:"/],
    ['a baseUrl with a query', { baseUrl: 'https://api.example.com/?a=1' }, /must not carry a query/],
    ['a negative timeout', { timeout: -1 }, /"timeout" must be a finite number of ms > 0, got -1 \(at most 2147483647, the longest timer\)/],
    ['a negative attempt timeout', { timeout: { attempt: -5 } }, /"timeout.attempt" must be a finite number of ms > 0, got -5 \(at most 2147483647, the longest timer\)/],
    ['a NaN total timeout', { timeout: { total: Number.NaN } }, /"timeout.total" must be a finite number of ms > 0, got NaN \(at most 2147483647, the longest timer\)/],
    ['a string timeout', { timeout: '5s' }, /"timeout" must be a number of ms, false, or \{ attempt, total \}/],
    ['an unknown anchor', { middleware: [{ middleware: noop, after: 'nope' }] }, /"middleware\[0\]".*no middleware named "nope"/],
    ['two anchors', { middleware: [{ middleware: noop, after: 'retry', before: 'errors' }] }, /exactly one of before, after or replace \(got before, after\)/],
    ['a duplicate name', { middleware: [{ ...noop, name: 'retry' }] }, /Duplicate middleware name "retry"/],
    ['a non-array middleware', { middleware: noop }, /"middleware" must be an array/],
    ['an unknown option', { prefixUrl: 'https://x' }, /unknown option "prefixUrl" \(use "baseUrl"\)/],
    ['a non-function fetch', { fetch: 'fetch' }, /"fetch" must be a function; got string/],
    ['a bad auth', { auth: 'token' }, /"auth" must be an auth middleware/],
    ['a zero concurrency', { concurrency: 0 }, /"concurrency" must be a positive integer, got 0/],
    ['invalid headers', { headers: [['bad header', 'x']] }, /"headers" is not a valid headers/],
    ['a non-function onEvent', { onEvent: true }, /"onEvent" must be a function/],
  ])('%s', (_, options, message) => {
    expect(() => createClient(options as never)).toThrow(TypeError);
    expect(() => createClient(options as never)).toThrow(message);
  });

  it('withStack refuses an edit that returns no stack', () => {
    const client = createClient();
    expect(() => client.withStack(() => undefined as never)).toThrow(/must return a Stack/);
  });

  it('accepts false to turn middlewares off and URL objects as baseUrl', () => {
    const client = createClient({ baseUrl: new URL('https://api.example.com/v1'), retry: false, concurrency: false, auth: false });
    expect(client.stack.names()).toEqual(['errors', 'correlationId', 'timeout.total', 'timeout.attempt']);
  });
});
