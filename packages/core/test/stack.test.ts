import { Stack, stack, type Middleware } from '@sluice/core';
import { describe, expect, it } from 'vitest';

function mw(name: string, log: string[] = []): Middleware {
  return {
    name,
    handle(request, _context, next) {
      log.push(name);
      return next(request);
    },
  };
}

describe('Stack', () => {
  const base = stack(mw('a'), mw('b'), mw('c'));

  it('keeps middlewares outermost first and exposes names/has/get', () => {
    expect(base.names()).toEqual(['a', 'b', 'c']);
    expect(base.has('b')).toBe(true);
    expect(base.has('z')).toBe(false);
    expect(base.get('c')?.name).toBe('c');
    expect(base.get('z')).toBeUndefined();
    expect(Object.isFrozen(base.middlewares)).toBe(true);
    expect(new Stack().names()).toEqual([]);
  });

  it('edits return new stacks and leave the original untouched', () => {
    const used = base.use(mw('d'), mw('e'));
    const before = base.before('b', mw('x'));
    const after = base.after('b', mw('y'), mw('z'));
    const replacement = mw('b2');
    const replaced = base.replace('b', replacement);
    const removed = base.remove('a');
    expect(used.names()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(before.names()).toEqual(['a', 'x', 'b', 'c']);
    expect(after.names()).toEqual(['a', 'b', 'y', 'z', 'c']);
    expect(replaced.names()).toEqual(['a', 'b2', 'c']);
    expect(replaced.get('b2')).toBe(replacement);
    expect(removed.names()).toEqual(['b', 'c']);
    expect(base.names()).toEqual(['a', 'b', 'c']);
    for (const edited of [used, before, after, replaced, removed]) expect(edited).not.toBe(base);
  });

  it('inserts at both ends and replaces keeping the same name', () => {
    expect(base.before('a', mw('first')).names()).toEqual(['first', 'a', 'b', 'c']);
    expect(base.after('c', mw('last')).names()).toEqual(['a', 'b', 'c', 'last']);
    expect(base.replace('c', mw('c')).names()).toEqual(['a', 'b', 'c']);
    expect(base.remove('a').remove('b').remove('c').names()).toEqual([]);
  });

  it('composes in stack order', async () => {
    const log: string[] = [];
    const pipeline = stack(mw('a', log), mw('b', log))
      .after('a', mw('x', log))
      .compose({ fetch: async () => new Response('done') });
    expect(await (await pipeline('https://stack.test/')).text()).toBe('done');
    expect(log).toEqual(['a', 'x', 'b']);
  });

  it('names both sides on a missing anchor', () => {
    expect(() => base.before('retry', mw('x'))).toThrow(
      new TypeError('Cannot insert "x" before "retry": no middleware named "retry" in the stack (it has: a, b, c).'),
    );
    expect(() => base.after('retry', mw('x'), mw('y'))).toThrow(
      new TypeError('Cannot insert "x", "y" after "retry": no middleware named "retry" in the stack (it has: a, b, c).'),
    );
    expect(() => base.replace('retry', mw('x'))).toThrow(
      new TypeError('Cannot replace "retry" with "x": no middleware named "retry" in the stack (it has: a, b, c).'),
    );
    expect(() => base.remove('retry')).toThrow(
      new TypeError('Cannot remove "retry": no middleware named "retry" in the stack (it has: a, b, c).'),
    );
    expect(() => new Stack().remove('a')).toThrow(/\(it has: none\)/);
  });

  it('names both sides on a duplicate name', () => {
    expect(() => base.use(mw('b'))).toThrow(
      new TypeError(
        'Cannot add "b": Duplicate middleware name "b": position 3 clashes with position 1. Use .replace("b", …) or give one a different name.',
      ),
    );
    expect(() => base.before('a', mw('c'))).toThrow(/Cannot add "c": Duplicate middleware name "c": position 3 clashes with position 0/);
    expect(() => base.replace('a', mw('b'))).toThrow(/Cannot add "b": Duplicate middleware name "b"/);
    expect(() => stack(mw('a'), mw('a'))).toThrow(/Duplicate middleware name "a": position 1 clashes with position 0/);
  });

  it('refuses something that is not a middleware', () => {
    expect(() => base.use({ name: 'x' } as unknown as Middleware)).toThrow(
      /Middleware at position 3 is not a middleware: it needs a non-empty "name" and a "handle" function/,
    );
  });
});
