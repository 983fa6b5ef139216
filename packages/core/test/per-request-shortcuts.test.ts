import { parseAnnouncedQuota } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { originOf } from '../src/middleware/retry-decide.js';

describe('per-request shortcuts keep their answers', () => {
  it('originOf reuses the last origin only for URLs of that very origin', () => {
    expect(originOf('https://api.example.test/v1/items')).toBe('https://api.example.test');
    expect(originOf('https://api.example.test/v1/other?x=1')).toBe('https://api.example.test');
    expect(originOf('https://api.example.test.evil/v1')).toBe('https://api.example.test.evil');
    expect(originOf('https://api.example.test:8443/v1')).toBe('https://api.example.test:8443');
    expect(originOf('https://user@api.example.test/v1')).toBe('https://api.example.test');
    expect(originOf('https://api.example.test')).toBe('https://api.example.test');
  });

  it('parseAnnouncedQuota skips responses without quota names and still reads those with them', () => {
    expect(parseAnnouncedQuota(new Headers({ 'content-type': 'application/json', 'retry-after': '1' }))).toBeUndefined();
    expect(parseAnnouncedQuota(new Headers({ 'X-RateLimit-Limit': '100', 'X-RateLimit-Remaining': '7' }))).toMatchObject({ limit: 100, remaining: 7 });
    expect(parseAnnouncedQuota(new Headers({ 'RateLimit-Remaining': '3' }))).toMatchObject({ remaining: 3 });
  });
});
