import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Criteria, field, Inclusion } from '../src/sequoia/criteria.js';

const word = fc.stringMatching(/^[A-Za-z]\w{0,10}$/);
const value = fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.integer(), fc.double({ noNaN: true }), fc.boolean());

describe('the Sequoia criteria renderer (fast-check)', () => {
  it('renders every criterion as with<Field>=value in order, and the inclusions once; the query string round-trips', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(word, value), { maxLength: 6 }),
        fc.uniqueArray(fc.tuple(word, fc.array(word, { minLength: 1, maxLength: 3 })), { selector: ([resource]) => resource, maxLength: 4 }),
        (criteria, inclusions) => {
          const built = new Criteria();
          for (const [name, v] of criteria) built.addCriterion(field(name).equalTo(v));
          for (const [resource, fields] of inclusions) built.addInclusion(Inclusion.resource(resource).fields(...fields));
          const params = built.toSearchParams();
          const expected: Array<[string, string]> = criteria.map(([name, v]) => [`with${name.charAt(0).toUpperCase()}${name.slice(1)}`, String(v)]);
          if (inclusions.length > 0) {
            expected.push(['include', inclusions.map(([resource]) => resource).join(',')]);
            expected.push(['fields', inclusions.flatMap(([resource, fields]) => fields.map((f) => `${resource}.${f}`)).join(',')]);
          }
          expect([...params]).toEqual(expected);
          expect([...new URLSearchParams(built.toQueryString())]).toEqual(expected);
        },
      ),
    );
  });

  it('refuses bad field names and empty values with a TypeError, never renders them', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }).filter((name) => !/^[A-Za-z][\w.]*$/.test(name)), (name) => {
        expect(() => field(name)).toThrow(TypeError);
      }),
    );
    expect(() => field('ok').equalTo('')).toThrow(TypeError);
  });
});
