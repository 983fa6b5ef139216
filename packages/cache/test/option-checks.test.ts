import { cache, memoryStore } from '@sluice/cache';
import { describe, expect, it } from 'vitest';

describe('cache and memoryStore options (fix 3)', () => {
  it('refuses an unknown key, naming the closest known one', () => {
    expect(() => cache({ shraed: true } as never)).toThrow(new TypeError('cache(): unknown option "shraed" (did you mean "shared"?). Known options: store, shared, authenticated, cacheHeuristic, maxBodyBytes, key.'));
    expect(() => memoryStore({ maxEntris: 10 } as never)).toThrow(/^memoryStore\(\): unknown option "maxEntris" \(did you mean "maxEntries"\?\)/);
  });

  it('refuses a shared or authenticated that is not a boolean', () => {
    expect(() => cache({ shared: 'yes' } as never)).toThrow(new TypeError('cache(): "shared" must be true or false, got string.'));
    expect(() => cache({ authenticated: 1 } as never)).toThrow(new TypeError('cache(): "authenticated" must be true or false, got number.'));
  });

  it('refuses memoryStore options that are not an object', () => {
    expect(() => memoryStore('big' as never)).toThrow(new TypeError('memoryStore(): expected an options object, got string.'));
  });

  it('accepts the known keys', () => {
    expect(() => cache({ shared: false, authenticated: true, store: memoryStore({ maxEntries: 5, maxBytes: 1024 }) })).not.toThrow();
  });
});
