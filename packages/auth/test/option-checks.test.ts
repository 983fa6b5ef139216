import { createAuthMiddleware, staticToken, tokenAuth } from '@sluice/auth';
import { describe, expect, it } from 'vitest';
import { parseChallenges, refreshable } from '../src/token/challenge.js';

describe('creation-time checks', () => {
  it('tokenAuth rejects a lock without run, a clock that is not a function and options that are not an object', () => {
    expect(() => tokenAuth(staticToken('x'), { lock: {} as never })).toThrow(/tokenAuth: "lock" must have a run\(name, task\) function/);
    expect(() => tokenAuth(staticToken('x'), { lock: null as never })).toThrow(TypeError);
    expect(() => tokenAuth(staticToken('x'), { clock: 1_000 as never })).toThrow(/tokenAuth: "clock" must be a function returning epoch ms, got number/);
    expect(() => tokenAuth(staticToken('x'), null as never)).toThrow(/tokenAuth\(provider, options\): options must be an object, got null/);
    expect(() => tokenAuth(staticToken('x'), { lock: { run: (_name, task) => task() }, clock: () => 0, origins: ['https://api.test'] })).not.toThrow();
  });

  it('createAuthMiddleware rejects null options', () => {
    const scheme = { attach: () => undefined };
    expect(() => createAuthMiddleware(scheme, null as never)).toThrow(/createAuthMiddleware\(scheme, options\): options must be an object, got null/);
    expect(() => createAuthMiddleware(scheme, 'https://api.test' as never)).toThrow(/options must be an object, got string/);
  });
});

describe('parseChallenges (shared by refreshable and digest)', () => {
  it('skips a token68 and empty list elements', () => {
    const parsed = parseChallenges('Negotiate abc==, , Bearer realm="a\\"b", error=invalid_token,, Digest realm="r", nonce="n"');
    expect(parsed.map(({ scheme, params }) => [scheme, Object.fromEntries(params)])).toEqual([
      ['negotiate', {}],
      ['bearer', { realm: 'a"b', error: 'invalid_token' }],
      ['digest', { realm: 'r', nonce: 'n' }],
    ]);
    expect(refreshable('Negotiate abc==, Bearer error="insufficient_scope"')).toBe(false);
    expect(parseChallenges('')).toEqual([]);
  });
});
