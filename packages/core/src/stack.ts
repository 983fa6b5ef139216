import { assertUniqueNames, compose, type ComposeOptions, type SluiceFetch } from './compose.js';
import type { Middleware } from './types/index.js';

/**
 * An immutable, ordered list of middlewares (outermost first). Every edit returns a new
 * stack; a duplicate name or a missing anchor throws a `TypeError` naming both sides.
 *
 * @example
 * ```ts
 * const base = stack(errors(), correlationId());
 * const withTimeout = base.after('correlationId', timeout({ total: 5_000 }));
 * const pipeline = withTimeout.compose();
 * ```
 */
export class Stack {
  /** The middlewares, outermost first (frozen). */
  readonly middlewares: readonly Middleware[];

  constructor(middlewares: readonly Middleware[] = []) {
    assertUniqueNames(middlewares);
    this.middlewares = Object.freeze([...middlewares]);
  }

  /** Names in order, outermost first. */
  names(): string[] {
    return this.middlewares.map((m) => m.name);
  }

  /** Whether a middleware of that name is in the stack. */
  has(name: string): boolean {
    return this.middlewares.some((m) => m.name === name);
  }

  /** The middleware of that name, if any. */
  get(name: string): Middleware | undefined {
    return this.middlewares.find((m) => m.name === name);
  }

  /** Appends middlewares at the inner end. */
  use(...middlewares: Middleware[]): Stack {
    return this.rebuild([...this.middlewares, ...middlewares], middlewares);
  }

  /** Inserts middlewares just outside (before) the anchor. */
  before(anchor: string, ...middlewares: Middleware[]): Stack {
    const index = this.indexOf(anchor, 'before', middlewares);
    return this.rebuild([...this.middlewares.slice(0, index), ...middlewares, ...this.middlewares.slice(index)], middlewares);
  }

  /** Inserts middlewares just inside (after) the anchor. */
  after(anchor: string, ...middlewares: Middleware[]): Stack {
    const index = this.indexOf(anchor, 'after', middlewares) + 1;
    return this.rebuild([...this.middlewares.slice(0, index), ...middlewares, ...this.middlewares.slice(index)], middlewares);
  }

  /** Replaces the named middleware, keeping its place. */
  replace(anchor: string, middleware: Middleware): Stack {
    const index = this.indexOf(anchor, 'replace', [middleware]);
    const list = [...this.middlewares];
    list[index] = middleware;
    return this.rebuild(list, [middleware]);
  }

  /** Removes the named middleware. */
  remove(anchor: string): Stack {
    const index = this.indexOf(anchor, 'remove', []);
    return new Stack(this.middlewares.filter((_, i) => i !== index));
  }

  /** Composes the stack into a fetch-compatible pipeline. */
  compose(options?: ComposeOptions): SluiceFetch {
    return compose(this, options);
  }

  private indexOf(anchor: string, operation: string, adding: readonly Middleware[]): number {
    const index = this.middlewares.findIndex((m) => m.name === anchor);
    if (index === -1) {
      const what = adding.map((m) => `"${m?.name}"`).join(', ');
      const action =
        operation === 'replace'
          ? `replace "${anchor}" with ${what}`
          : operation === 'remove'
            ? `remove "${anchor}"`
            : `insert ${what} ${operation} "${anchor}"`;
      throw new TypeError(
        `Cannot ${action}: no middleware named "${anchor}" in the stack (it has: ${this.names().join(', ') || 'none'}).`,
      );
    }
    return index;
  }

  private rebuild(list: Middleware[], added: readonly Middleware[]): Stack {
    try {
      return new Stack(list);
    } catch (error) {
      if (error instanceof TypeError && added.length) {
        throw new TypeError(`Cannot add ${added.map((m) => `"${m?.name}"`).join(', ')}: ${error.message}`);
      }
      throw error;
    }
  }
}

/**
 * Creates a {@link Stack} from middlewares, outermost first.
 *
 * @example
 * ```ts
 * const pipeline = stack(errors(), retry(), concurrency({ limit: 4 })).compose();
 * ```
 */
export function stack(...middlewares: Middleware[]): Stack {
  return new Stack(middlewares);
}
