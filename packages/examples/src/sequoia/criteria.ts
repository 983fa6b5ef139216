/**
 * The Sequoia SDK's fluent criteria API: filters (`field('engine').equalTo('diesel')` →
 * `withEngine=diesel`), inclusions of related resources (`include=assets`) and the fields
 * of an inclusion (`fields=assets.name,assets.ref`), rendered to query strings.
 */

/**
 * One filter: a field, an operator and a value, rendered as `with<Field>=<value>`.
 *
 * @example
 * ```ts
 * const criterion: Criterion = field('contentRef').equalTo('testmock:sampleContent');
 * criterion.toParam(); // ['withContentRef', 'testmock:sampleContent']
 * ```
 */
export class Criterion {
  constructor(
    readonly field: string,
    readonly operator: 'equalTo',
    readonly value: string,
  ) {}

  /** The query parameter `[name, value]`. */
  toParam(): [string, string] {
    return [`with${this.field.charAt(0).toUpperCase()}${this.field.slice(1)}`, this.value];
  }
}

/**
 * Starts a filter on a field.
 *
 * @example
 * ```ts
 * const byEngine = field('engine').equalTo('diesel'); // withEngine=diesel
 * ```
 */
export function field(name: string): { equalTo(value: string | number | boolean): Criterion } {
  if (typeof name !== 'string' || !/^[A-Za-z][\w.]*$/.test(name)) throw new TypeError(`field(): the field name must be a word such as "contentRef", got ${JSON.stringify(name)}.`);
  return {
    equalTo(value) {
      if (!['string', 'number', 'boolean'].includes(typeof value) || value === '') {
        throw new TypeError(`field("${name}").equalTo(): the value must be a non-empty string, a number or a boolean, got ${JSON.stringify(value)}.`);
      }
      return new Criterion(name, 'equalTo', String(value));
    },
  };
}

/**
 * The SDK's `StringExpressionFactory.field(...)`, for readers coming from the Python SDK.
 *
 * @example
 * ```ts
 * const criteria = new Criteria().addCriterion(StringExpressionFactory.field('contentRef').equalTo('testmock:sampleContent'));
 * ```
 */
export const StringExpressionFactory = { field } as const;

/**
 * A related resource to include in a browse, optionally with only some of its fields.
 *
 * @example
 * ```ts
 * const assets = Inclusion.resource('assets').fields('name', 'ref');
 * ```
 */
export class Inclusion {
  private constructor(
    readonly resource: string,
    readonly fieldNames: readonly string[],
  ) {}

  /** Includes the resource `name` (e.g. `'assets'`). */
  static resource(name: string): Inclusion {
    if (typeof name !== 'string' || !/^[A-Za-z]\w*$/.test(name)) throw new TypeError(`Inclusion.resource(): the resource must be a word such as "assets", got ${JSON.stringify(name)}.`);
    return new Inclusion(name, []);
  }

  /** Only these fields of the included resource (a new inclusion). */
  fields(...names: string[]): Inclusion {
    if (names.length === 0 || names.some((n) => typeof n !== 'string' || !/^[A-Za-z]\w*$/.test(n))) {
      throw new TypeError(`Inclusion("${this.resource}").fields(): give one or more field names, got ${JSON.stringify(names)}.`);
    }
    return new Inclusion(this.resource, [...this.fieldNames, ...names]);
  }
}

/**
 * A browse query: filters and inclusions. Each method returns the same object, so calls chain.
 *
 * @example
 * ```ts
 * const criteria = new Criteria()
 *   .addCriterion(field('contentRef').equalTo('testmock:sampleContent'))
 *   .addInclusion(Inclusion.resource('assets').fields('name', 'ref'));
 * criteria.toQueryString(); // 'withContentRef=testmock%3AsampleContent&include=assets&fields=assets.name%2Cassets.ref'
 * ```
 */
export class Criteria {
  readonly #criteria: Criterion[] = [];
  readonly #inclusions: Inclusion[] = [];

  addCriterion(criterion: Criterion): this {
    if (!(criterion instanceof Criterion)) throw new TypeError('Criteria.addCriterion(): pass a criterion made with field(name).equalTo(value).');
    this.#criteria.push(criterion);
    return this;
  }

  addInclusion(inclusion: Inclusion): this {
    if (!(inclusion instanceof Inclusion)) throw new TypeError('Criteria.addInclusion(): pass an inclusion made with Inclusion.resource(name).');
    if (this.#inclusions.some((i) => i.resource === inclusion.resource)) {
      throw new TypeError(`Criteria.addInclusion(): "${inclusion.resource}" is already included.`);
    }
    this.#inclusions.push(inclusion);
    return this;
  }

  /** The SDK's `add(criterion=…, inclusion=…)`. */
  add(parts: { criterion?: Criterion; inclusion?: Inclusion }): this {
    if (!parts || (parts.criterion === undefined && parts.inclusion === undefined)) throw new TypeError('Criteria.add(): give a "criterion", an "inclusion", or both.');
    if (parts.criterion !== undefined) this.addCriterion(parts.criterion);
    if (parts.inclusion !== undefined) this.addInclusion(parts.inclusion);
    return this;
  }

  /** The included resources, in order. */
  get inclusions(): readonly string[] {
    return this.#inclusions.map((i) => i.resource);
  }

  /** The query parameters: one `with<Field>` per filter, then `include` and `fields`. */
  toSearchParams(): URLSearchParams {
    const params = new URLSearchParams();
    for (const criterion of this.#criteria) params.append(...criterion.toParam());
    if (this.#inclusions.length > 0) params.set('include', this.inclusions.join(','));
    const fields = this.#inclusions.flatMap((i) => i.fieldNames.map((name) => `${i.resource}.${name}`));
    if (fields.length > 0) params.set('fields', fields.join(','));
    return params;
  }

  toQueryString(): string {
    return this.toSearchParams().toString();
  }
}
