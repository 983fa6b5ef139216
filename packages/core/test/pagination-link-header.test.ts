import { linkHeader, parseLinkHeader } from '@sluice/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('parseLinkHeader (RFC 8288)', () => {
  it('parses several links, GitHub style', () => {
    const header =
      '<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last"';
    expect(parseLinkHeader(header)).toEqual([
      { uri: 'https://api.github.com/repositories/1/issues?page=2', rel: ['next'], params: { rel: 'next' } },
      { uri: 'https://api.github.com/repositories/1/issues?page=5', rel: ['last'], params: { rel: 'last' } },
    ]);
  });

  it('keeps commas and semicolons inside quoted values and inside <…>', () => {
    const header = '<https://x.test/a;b,c?q=1,2>; title="Chapter 2, part; one"; rel="next", </p3>; rel=last';
    const links = parseLinkHeader(header);
    expect(links).toHaveLength(2);
    expect(links[0]).toEqual({ uri: 'https://x.test/a;b,c?q=1,2', rel: ['next'], params: { title: 'Chapter 2, part; one', rel: 'next' } });
    expect(links[1]).toMatchObject({ uri: '/p3', rel: ['last'] });
  });

  it('handles rel lists, case, whitespace, escapes and the first rel only', () => {
    const header = '  < /next >  ;REL = "Next  Last" ; rel="ignored"; Title="say \\"hi\\"" ;hreflang=de';
    expect(parseLinkHeader(header)).toEqual([
      { uri: '/next', rel: ['next', 'last'], params: { rel: 'Next  Last', title: 'say "hi"', hreflang: 'de' } },
    ]);
  });

  it('skips malformed links and returns [] for empty input', () => {
    expect(parseLinkHeader(null)).toEqual([]);
    expect(parseLinkHeader('')).toEqual([]);
    expect(parseLinkHeader('garbage, <https://x.test/2>; rel="next"')).toEqual([{ uri: 'https://x.test/2', rel: ['next'], params: { rel: 'next' } }]);
    expect(parseLinkHeader('<https://x.test/1> junk; rel="next", <https://x.test/2>; rel="prev"')).toEqual([
      { uri: 'https://x.test/2', rel: ['prev'], params: { rel: 'prev' } },
    ]);
    expect(parseLinkHeader('<https://x.test/unclosed; rel="next"')).toEqual([]);
  });

  it('round-trips generated headers (property)', () => {
    const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    const quoted = fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n\t]/g, ' '));
    const link = fc.record({
      uri: fc.webUrl(),
      rel: fc.array(token, { minLength: 1, maxLength: 3 }),
      title: quoted,
    });
    fc.assert(
      fc.property(fc.array(link, { minLength: 1, maxLength: 4 }), (links) => {
        const header = links
          .map((l) => `<${l.uri}>; rel="${l.rel.join(' ')}"; title="${l.title.replace(/["\\]/g, (c) => `\\${c}`)}"`)
          .join(', ');
        const parsed = parseLinkHeader(header);
        expect(parsed.map((p) => p.uri)).toEqual(links.map((l) => l.uri));
        expect(parsed.map((p) => p.rel)).toEqual(links.map((l) => l.rel));
        expect(parsed.map((p) => p.params['title'])).toEqual(links.map((l) => l.title));
      }),
      { numRuns: 60 },
    );
  });
});

describe('linkHeader strategy', () => {
  const page = (link: string | null) => {
    const response = new Response('[]', { headers: link === null ? {} : { link } });
    return { url: new URL('https://api.test/items?page=1'), response, body: [], items: [], index: 0 };
  };

  it('finds next in a rel list and returns undefined without one', () => {
    const strategy = linkHeader();
    expect(strategy.next(page('</items?page=2>; rel="prev next"'))).toBe('/items?page=2');
    expect(strategy.next(page('</items?page=1>; rel="first"'))).toBeUndefined();
    expect(strategy.next(page(null))).toBeUndefined();
  });

  it('follows a custom rel', () => {
    expect(linkHeader({ rel: 'Older' }).next(page('</old>; rel="older"'))).toBe('/old');
  });
});
