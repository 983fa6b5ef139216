import { normalizeToken } from '../src/token/token.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChallenges, refreshable } from '../src/token/challenge.js';

const challengeText = fc.oneof(
  fc.string({ maxLength: 100 }),
  fc.array(fc.constantFrom('Bearer', 'Basic', 'Digest', 'DPoP', 'Negotiate', ' ', ',', '=', '"', '\\', 'error', 'invalid_token', 'realm', 'abc==', 'insufficient_scope'), { maxLength: 16 }).map((parts) => parts.join('')),
);

const base64url = (text: string) => Buffer.from(text).toString('base64url');

describe('WWW-Authenticate challenge parser (fast-check)', () => {
  it('never throws; schemes and parameter names come back lower-cased and non-empty', () => {
    fc.assert(
      fc.property(challengeText, (header) => {
        const challenges = parseChallenges(header);
        for (const { scheme, params } of challenges) {
          expect(scheme).toBe(scheme.toLowerCase());
          expect(scheme).not.toBe('');
          for (const name of params.keys()) expect(name).toBe(name.toLowerCase());
        }
        expect(typeof refreshable(header)).toBe('boolean');
      }),
    );
  });
});

describe('reading a JWT exp (fast-check)', () => {
  it('never throws on arbitrary non-empty strings; expiresAt is absent or finite', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), (accessToken) => {
        const token = normalizeToken({ accessToken });
        expect(token.expiresAt === undefined || Number.isFinite(token.expiresAt)).toBe(true);
      }),
    );
  });

  it('on three-part tokens with arbitrary JSON payloads: expiresAt is exp * 1000 for a finite numeric exp, else absent', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.oneof(fc.jsonValue(), fc.double()), fc.stringMatching(/^[\w-]{0,20}$/), (payload, exp, signature) => {
        const claims = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? { ...payload, exp } : payload;
        const accessToken = `${base64url('{"alg":"none"}')}.${base64url(JSON.stringify(claims) ?? 'null')}.${signature}`;
        const token = normalizeToken({ accessToken });
        const numeric = typeof claims === 'object' && claims !== null && !Array.isArray(claims) && typeof exp === 'number' && Number.isFinite(exp);
        // === rather than Object.is: JSON writes -0 as 0.
        if (numeric && Number.isFinite((exp as number) * 1000)) expect(token.expiresAt === (exp as number) * 1000).toBe(true);
        expect(token.expiresAt === undefined || Number.isFinite(token.expiresAt)).toBe(true);
      }),
    );
  });
});
