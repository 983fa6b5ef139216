import { compose, correlationId, type FetchLike, freshRequest } from '@sluice/core';
import { describe, expect, it } from 'vitest';

const URL_ = 'https://fresh.test/items';

function recording(): FetchLike & { seen: Request[] } {
  const fn = (async (request: Request) => {
    fn.seen.push(request);
    return new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } });
  }) as FetchLike & { seen: Request[] };
  fn.seen = [];
  return fn;
}

describe('freshRequest', () => {
  it('lets the pipeline use a fresh Request as it is, headers set on it', async () => {
    const terminal = recording();
    const pipeline = compose([correlationId({ id: 'cid-1' })], { fetch: terminal });
    const request = freshRequest(new Request(URL_));
    await pipeline(request, { retry: false, signal: null });
    expect(terminal.seen[0]).toBe(request);
    expect(request.headers.get('x-correlation-id')).toBe('cid-1');
  });

  it('copies a Request that was not marked, so the caller can send it again unchanged', async () => {
    const terminal = recording();
    const pipeline = compose([correlationId({ id: 'cid-2' })], { fetch: terminal });
    const request = new Request(URL_);
    await pipeline(request);
    expect(terminal.seen[0]).not.toBe(request);
    expect(request.headers.has('x-correlation-id')).toBe(false);
    expect(terminal.seen[0]?.headers.get('x-correlation-id')).toBe('cid-2');
  });

  it('copies a fresh Request when init changes it, and adopts a Request once only', async () => {
    const terminal = recording();
    const pipeline = compose([], { fetch: terminal });
    const changed = freshRequest(new Request(URL_));
    await pipeline(changed, { headers: { 'x-extra': '1' } });
    expect(terminal.seen[0]).not.toBe(changed);
    expect(terminal.seen[0]?.headers.get('x-extra')).toBe('1');
    const once = freshRequest(new Request(URL_));
    await pipeline(once);
    await pipeline(once);
    expect(terminal.seen[1]).toBe(once);
    expect(terminal.seen[2]).not.toBe(once);
  });

  it('keeps telling a caller signal from none on an adopted Request', async () => {
    let callerSignal: AbortSignal | undefined | null = null;
    const spy = {
      name: 'spy',
      handle: (request: Request, context: { callerSignal: AbortSignal | undefined }, next: (r: Request) => Promise<Response>) => {
        callerSignal = context.callerSignal;
        return next(request);
      },
    };
    const pipeline = compose([spy], { fetch: recording() });
    await pipeline(freshRequest(new Request(URL_)), { signal: null });
    expect(callerSignal).toBeUndefined();
    const controller = new AbortController();
    await pipeline(freshRequest(new Request(URL_, { signal: controller.signal })));
    expect(callerSignal).toBeInstanceOf(AbortSignal);
  });

  it('refuses what is not a Request', () => {
    expect(() => freshRequest('https://fresh.test' as never)).toThrow(new TypeError('freshRequest(): expected a Request, got string.'));
  });
});
