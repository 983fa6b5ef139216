import { assertName, assertSelector, type ItemsSelector, type PaginationStrategy, selectItems } from './strategy.js';

/**
 * One link of an RFC 8288 `Link` header.
 *
 * @example
 * ```ts
 * const link: LinkValue = { uri: '/items?page=2', rel: ['next'], params: { rel: 'next' } };
 * ```
 */
export interface LinkValue {
  /** The target, as written (possibly relative). */
  readonly uri: string;
  /** The relation types, lower-cased (`rel="next last"` gives `['next', 'last']`). */
  readonly rel: readonly string[];
  /** Every parameter by lower-cased name, unquoted; the first occurrence wins. */
  readonly params: Readonly<Record<string, string>>;
}

const WS = new Set([' ', '\t', '\r', '\n']);

/**
 * Parses an RFC 8288 `Link` header: several comma-separated links, quoted parameter values
 * (commas and semicolons inside quotes or `<…>` are kept), relation-type lists and
 * case-insensitive parameter names. Malformed links are skipped, never thrown on.
 *
 * @example
 * ```ts
 * parseLinkHeader('<https://api.example.com/items?page=2>; rel="next", <https://api.example.com/items?page=9>; rel="last"');
 * // [{ uri: 'https://api.example.com/items?page=2', rel: ['next'], ... }, { uri: '…page=9', rel: ['last'], ... }]
 * ```
 */
export function parseLinkHeader(header: string | null | undefined): LinkValue[] {
  const links: LinkValue[] = [];
  if (!header) return links;
  const text = header;
  let i = 0;
  const skipWs = () => {
    while (i < text.length && WS.has(text[i] as string)) i++;
  };
  /** Skips to just after the next top-level comma (or the end). */
  const skipLink = () => {
    while (i < text.length && text[i] !== ',') {
      if (text[i] === '"') readQuoted();
      else if (text[i] === '<') {
        const close = text.indexOf('>', i);
        i = close === -1 ? text.length : close + 1;
      } else i++;
    }
    i++;
  };
  const readQuoted = (): string => {
    let out = '';
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && i + 1 < text.length) i++;
      out += text[i];
      i++;
    }
    i++; // closing quote
    return out;
  };
  const readToken = (stop: string): string => {
    const start = i;
    while (i < text.length && !stop.includes(text[i] as string) && !WS.has(text[i] as string)) i++;
    return text.slice(start, i);
  };

  while (i < text.length) {
    skipWs();
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (i >= text.length) break;
    if (text[i] !== '<') {
      skipLink();
      continue;
    }
    const close = text.indexOf('>', i);
    if (close === -1) break;
    const uri = text.slice(i + 1, close).trim();
    i = close + 1;
    const params: Record<string, string> = {};
    let valid = true;
    for (;;) {
      skipWs();
      if (i >= text.length || text[i] === ',') break;
      if (text[i] !== ';') {
        valid = false;
        skipLink();
        break;
      }
      i++;
      skipWs();
      const name = readToken('=;,').toLowerCase();
      skipWs();
      let value = '';
      if (text[i] === '=') {
        i++;
        skipWs();
        value = text[i] === '"' ? readQuoted() : readToken(';,');
      }
      if (name && !(name in params)) params[name] = value;
    }
    if (!valid) continue;
    const rel = (params['rel'] ?? '').split(/\s+/).filter(Boolean).map((type) => type.toLowerCase());
    links.push({ uri, rel, params });
  }
  return links;
}

/**
 * Options of {@link linkHeader}.
 *
 * @example
 * ```ts
 * const options: LinkHeaderOptions = { rel: 'next' };
 * ```
 */
export interface LinkHeaderOptions<Item = unknown> {
  /** Where the items are in the body. Default `null`: the body is the array. */
  items?: ItemsSelector<Item>;
  /** The relation type of the next page. Default `'next'`. */
  rel?: string;
}

/**
 * RFC 8288 `Link` header paging, GitHub style: follows the link whose `rel` list holds
 * `next` until there is none. Relative targets resolve against the page's URL.
 *
 * @example
 * ```ts
 * const issues = await paginate(fetch, 'https://api.github.com/repos/o/r/issues?per_page=100', linkHeader()).all();
 * ```
 */
export function linkHeader<Item = unknown>(options: LinkHeaderOptions<Item> = {}): PaginationStrategy<Item> {
  const { items = null, rel = 'next' } = options;
  assertSelector(items, 'linkHeader(): "items"');
  assertName(rel, 'linkHeader(): "rel"');
  const wanted = rel.toLowerCase();
  return {
    name: 'linkHeader',
    first: (url) => new URL(url),
    items: (body, response) => selectItems(body, items, 'linkHeader', response),
    next({ response }) {
      const link = parseLinkHeader(response.headers.get('link')).find((candidate) => candidate.rel.includes(wanted));
      return link?.uri || undefined;
    },
  };
}
