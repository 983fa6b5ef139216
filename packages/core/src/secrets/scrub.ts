import { REDACTED, type Redaction } from './redaction.js';
import { userinfoSecrets } from './userinfo.js';

/*
 * Internal (not re-exported): the free-text scrubbing shared by the errors middleware and
 * the events a pipeline emits. Everything here runs on the error path only.
 */

/** Removes one request's secrets from free text. */
export type Scrub = (text: string) => string;

/** JSON keys hidden in body previews and free text on top of the secret header/query names. */
export const BODY_SECRET_KEYS: readonly string[] = ['password', 'client_secret', 'refresh_token', 'id_token', 'secret'];

/** Where one request's secrets come from. */
export interface ScrubSource {
  /** The request URL (its userinfo, user name and password, and secret query values are secrets). */
  url: string;
  /** Secret header values, read when the scrubber is first used. */
  headers?: () => Iterable<readonly [string, string]>;
  /** Secret values attached by middlewares (`context.state.secrets`), read on use. */
  secrets?: () => ReadonlySet<string> | undefined;
}

/**
 * A scrubber for one request: hides the raw URL (as its redacted form), the userinfo
 * (user name and password, from 4 characters), secret query and header values, the
 * values in `secrets()` and values assigned to secret names. Nothing is computed until it is first called; it is rebuilt when
 * `secrets()` grew since (auth may attach a credential after a first error).
 */
export function createScrub(redaction: Redaction, source: ScrubSource): Scrub {
  let built: Scrub | undefined;
  let builtFor = -1;
  return (text) => {
    const size = source.secrets?.()?.size ?? 0;
    if (!built || size !== builtFor) {
      built = buildScrub(redaction, source);
      builtFor = size;
    }
    return built(text);
  };
}

/** The secret header values of `headers` by the names of `redaction`. */
export function secretHeaders(headers: Headers, redaction: Redaction): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  for (const [name, value] of headers) if (redaction.names.has(name)) out.push([name, value]);
  return out;
}

function buildScrub(redaction: Redaction, source: ScrubSource): Scrub {
  const values = new Set<string>();
  const add = (value: string) => {
    if (value === '') return;
    values.add(value);
    values.add(encodeURIComponent(value));
    values.add(new URLSearchParams({ v: value }).toString().slice(2));
  };
  const url = source.url;
  let parsed: URL | undefined;
  try {
    parsed = url ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed) {
    // The whole userinfo is secret: a user name alone is often a key (`https://sk_live_…:@host`).
    for (const value of userinfoSecrets(parsed)) add(value);
    for (const [key, value] of parsed.searchParams) if (redaction.names.has(key.toLowerCase())) add(value);
  }
  for (const [name, value] of source.headers?.() ?? []) {
    add(value);
    const credentials = /^\S+\s+(\S.*)$/.exec(value)?.[1];
    if (credentials) add(credentials);
    if (name === 'cookie') for (const pair of value.split(';')) add(pair.split('=').slice(1).join('=').trim());
  }
  for (const secret of source.secrets?.() ?? []) if (typeof secret === 'string') add(secret);
  // Longest first, so a value that contains another is replaced whole.
  const ordered = [...values].sort((a, b) => b.length - a.length);
  const safeUrl = url ? redaction.url(url) : '';
  const patterns = assignmentPatterns(redaction);
  return (text) => {
    let out = url && safeUrl !== url ? text.split(url).join(safeUrl) : text;
    out = redaction.text(out, ordered);
    for (const pattern of patterns) out = out.replace(pattern, (_whole, head: string) => `${head}${REDACTED}`);
    return out;
  };
}

const patternCache = new WeakMap<Redaction, RegExp[]>();

/**
 * Patterns that hide the value assigned to a secret name in free text: JSON
 * (`"token": "…"`), a header line (`Authorization: Bearer …`) and a query or form
 * (`api_key=…`). Built once per redaction.
 */
function assignmentPatterns(redaction: Redaction): RegExp[] {
  const cached = patternCache.get(redaction);
  if (cached) return cached;
  const any = [...redaction.names, ...BODY_SECRET_KEYS].map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const patterns = [
    new RegExp(`("(?:${any})"\\s*:\\s*")(?!\\[REDACTED\\])(?:[^"\\\\]|\\\\.)*`, 'gi'),
    new RegExp(`(^[ \\t]*(?:${any})[ \\t]*:[ \\t]*)(?!\\[REDACTED\\])[^\\r\\n]*`, 'gim'),
    new RegExp(`((?:^|[?&\\s;,])(?:${any})=)(?!%5BREDACTED%5D|\\[REDACTED\\])[^&\\s;,"]*`, 'gi'),
  ];
  patternCache.set(redaction, patterns);
  return patterns;
}

/**
 * A copy of an error whose message, stack and string fields (down the `cause` chain and
 * inside `errors` of an AggregateError) no longer hold a secret. The original object is
 * returned when it holds none.
 */
export function scrubError(value: unknown, scrub: Scrub, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (Array.isArray(value)) {
    const items = value.map((item) => scrubError(item, scrub, depth + 1));
    return items.every((item, index) => item === value[index]) ? value : items;
  }
  if (!(value instanceof Error)) return value;
  if (depth > 5) return undefined;
  const fields = new Map<string, unknown>();
  let changed = false;
  for (const key of Object.getOwnPropertyNames(value)) {
    const original = (value as unknown as Record<string, unknown>)[key];
    const clean = key === 'cause' || key === 'errors' || typeof original === 'string' ? scrubError(original, scrub, depth + 1) : original;
    fields.set(key, clean);
    if (clean !== original) changed = true;
  }
  const message = scrub(value.message);
  const stack = fields.has('stack') ? undefined : scrub(String(value.stack));
  if (!changed && message === value.message && (stack === undefined || stack === String(value.stack))) return value;
  const copy = new Error(message);
  if (Object.hasOwn(value, 'message')) Object.setPrototypeOf(copy, Object.getPrototypeOf(value));
  else Object.defineProperty(copy, 'name', { value: value.name, writable: true, configurable: true });
  for (const [key, clean] of fields) {
    Object.defineProperty(copy, key, { value: clean, writable: true, configurable: true, enumerable: key !== 'stack' && key !== 'message' });
  }
  if (stack !== undefined) Object.defineProperty(copy, 'stack', { value: stack, writable: true, configurable: true });
  return copy;
}
