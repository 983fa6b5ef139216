import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/index.js';
import { BASE, type Echo, echoHandler } from './helpers.js';
import { useServer } from '@sluice/testing/node';

useServer({ beforeAll, afterEach, afterAll }, echoHandler);

const SECRET = 'pa55-w0rd-S3cret';

/** Everything a log line could show of an error. */
function shown(error: unknown): string {
  const e = error as Error;
  return [e.message, String(e), e.stack ?? '', inspect(e), JSON.stringify(e)].join('\n');
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** What the promise `run` returns rejects with; a synchronous throw fails the test. */
async function rejection(run: () => unknown): Promise<unknown> {
  const promise = run();
  return Promise.resolve(promise).then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('a password in the URL never leaks', () => {
  it.each([
    ['user:password', `https://user:${SECRET}@api.test/v1`],
    ['a percent-encoded password', `https://user:${encodeURIComponent(`${SECRET} x`)}@api.test/v1`],
    ['a URL object', new URL(`https://user:${SECRET}@api.test/v1`)],
  ])('createClient rejects a baseUrl with %s, without echoing it', (_, baseUrl) => {
    const error = thrown(() => createClient({ baseUrl }));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/"baseUrl" must not carry credentials \(user:password@\); pass them with the "auth" option/);
    expect(shown(error)).not.toContain(SECRET);
  });

  it('rejects a baseUrl with only a user name too', () => {
    expect(() => createClient({ baseUrl: 'https://token-user@api.test' })).toThrow(/must not carry credentials/);
  });

  it('masks userinfo when echoing an unparsable baseUrl', () => {
    const error = thrown(() => createClient({ baseUrl: `//user:${SECRET}@api.test/v1` }));
    expect((error as Error).message).toMatch(/must be an absolute URL .* got "\/\/%5BREDACTED%5D@api\.test\/v1"/);
    expect(shown(error)).not.toContain(SECRET);
  });

  it.each([
    ['an absolute string', `https://user:${SECRET}@api.test/x?token=tok-value-1`],
    ['a URL object', new URL(`https://user:${SECRET}@api.test/x?token=tok-value-1`)],
  ])('a request to %s with credentials fails with a redacted TypeError', async (_, input) => {
    const client = createClient({ baseUrl: BASE, searchParams: { a: '1' } });
    for (const run of [() => client.get(input), () => client(input, { searchParams: { b: '2' } })]) {
      const error = await rejection(run);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain('credentials');
      expect((error as Error).message).toContain('https://%5BREDACTED%5D@api.test/x?token=%5BREDACTED%5D');
      expect(shown(error)).not.toContain(SECRET);
      expect(shown(error)).not.toContain('tok-value-1');
    }
  });

  it.each([
    ['a token as the user name', 'https://ghp_tok3n-user-42@api.test/x', 'ghp_tok3n-user-42'],
    ['a key with an empty password', 'https://sk_live_k3y-9876:@api.test/x', 'sk_live_k3y-9876'],
    ['an encoded user name', `https://${encodeURIComponent('key/with space')}@api.test/x`, 'key/with space'],
  ])('a per-request absolute URL with %s fails with the whole userinfo redacted', async (_, input, secret) => {
    const client = createClient({ baseUrl: BASE, searchParams: { a: '1' } });
    for (const run of [() => client.get(input), () => client(input, { searchParams: { b: '2' } })]) {
      const error = await rejection(run);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/credentials: https:\/\/%5BREDACTED%5D@api\.test\/x/);
      expect(shown(error)).not.toContain(secret);
      expect(shown(error)).not.toContain(encodeURIComponent(secret));
    }
    const viaRequest = await Promise.resolve()
      .then(() => client.request(input))
      .catch((error: unknown) => error);
    expect(viaRequest).toBeInstanceOf(TypeError);
    expect(shown(viaRequest)).not.toContain(secret);
    expect(shown(viaRequest)).not.toContain(encodeURIComponent(secret));
  });

  it('masks a user name alone when echoing an unparsable baseUrl', () => {
    const error = thrown(() => createClient({ baseUrl: 'https://ghp_tok3n-user-42@' }));
    expect((error as Error).message).toMatch(/got "https:\/\/%5BREDACTED%5D@"/);
    expect(shown(error)).not.toContain('ghp_tok3n-user-42');
  });

  it('client.request redacts it the same way', async () => {
    const client = createClient({ baseUrl: BASE });
    const viaRequest = await Promise.resolve()
      .then(() => client.request(`https://user:${SECRET}@api.test/x`))
      .catch((error: unknown) => error);
    expect(viaRequest).toBeInstanceOf(TypeError);
    expect(shown(viaRequest)).not.toContain(SECRET);
  });

  it('redacts a secret named in the client options and keeps unrelated errors as they are', async () => {
    const client = createClient({ baseUrl: BASE, secrets: ['sig'] });
    const error = await rejection(() => client.get(`https://u:${SECRET}@api.test/x?sig=sig-value-9`));
    expect(shown(error)).not.toContain('sig-value-9');
    // A good request still goes through.
    expect((await client.get('ok').json<Echo>()).path).toBe('/v1/ok');
  });
});
