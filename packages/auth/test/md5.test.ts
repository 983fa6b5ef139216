import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { md5Hex } from '../src/util/md5.js';

const nodeMd5 = (input: string | Uint8Array) => createHash('md5').update(input).digest('hex');

describe('md5Hex', () => {
  it('matches the RFC 1321 test suite', () => {
    expect(md5Hex('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5Hex('a')).toBe('0cc175b9c0f1b6a831c399e269772661');
    expect(md5Hex('abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(md5Hex('message digest')).toBe('f96b697d7cb7938d525a2f31aaf161d0');
    expect(md5Hex('12345678901234567890123456789012345678901234567890123456789012345678901234567890')).toBe(
      '57edf4a22be3c955ac49da2e2107b67a',
    );
  });

  it('matches node:crypto around every block boundary (lengths 0..300)', () => {
    for (let length = 0; length <= 300; length++) {
      const bytes = randomBytes(length);
      expect(md5Hex(new Uint8Array(bytes))).toBe(nodeMd5(bytes));
    }
  });

  it('encodes unicode strings as UTF-8', () => {
    for (const text of ['héllo wörld', 'Jäsøn Doe', '日本語のテキスト', '😀🎉 emoji', 'Mufasa:http-auth@example.org:Circle of Life']) {
      expect(md5Hex(text)).toBe(nodeMd5(text));
    }
  });

  it('hashes long inputs (1 MiB)', () => {
    const long = 'x'.repeat(1 << 20);
    expect(md5Hex(long)).toBe(nodeMd5(long));
    const bytes = randomBytes(1_000_003);
    expect(md5Hex(new Uint8Array(bytes))).toBe(nodeMd5(bytes));
  });

  it('matches node:crypto on arbitrary strings and bytes', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (text) => md5Hex(text) === nodeMd5(text)), { numRuns: 500 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 700 }), (bytes) => md5Hex(bytes) === nodeMd5(bytes)), { numRuns: 500 });
  });
});
