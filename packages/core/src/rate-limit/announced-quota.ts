/**
 * Reading the quota a server announces on every response, before any 429: the IETF
 * RateLimit header drafts (6, 7 and 8+) and the common `X-RateLimit-*` headers.
 */

/**
 * A quota as one response announces it. Every field is optional: a server may send only
 * some of them. Counts are whole numbers ≥ 0; times are milliseconds ≥ 0.
 *
 * @example
 * ```ts
 * const quota: AnnouncedQuota = { limit: 100, remaining: 0, resetMs: 1_000, windowMs: 1_000, resetPrecise: false };
 * ```
 */
export interface AnnouncedQuota {
  /** Requests allowed per window (`q`, `limit`, `X-RateLimit-Limit`). */
  limit?: number;
  /** Requests left in the current window (`r`, `remaining`). */
  remaining?: number;
  /**
   * Milliseconds from `now` until the window resets: an upper bound. Delta seconds are
   * rounded up by most servers and epoch seconds are whole seconds, so the real reset may
   * come up to a second earlier (see `resetPrecise`).
   */
  resetMs?: number;
  /** The window length (`w` of `RateLimit-Policy`, or `;w=` of `RateLimit-Limit`). */
  windowMs?: number;
  /** `false` when the reset was given in whole seconds (it may be up to 1 s early). */
  resetPrecise: boolean;
}

const NUMBER = /^\d+(?:\.\d+)?$/;
const MAX_COUNT = 1e9;
const MAX_MS = 366 * 24 * 3600 * 1000;
/** A server clock further off than this is corrected with its `Date` header. */
const SKEW_MS = 2_000;

/**
 * Reads the quota a response announces, or `undefined` when it announces none. Forms:
 * `RateLimit: "name";r=0;t=1` with `RateLimit-Policy: "name";q=100;w=1` (draft 8+),
 * `RateLimit: limit=100, remaining=0, reset=1` (draft 7), `RateLimit-Limit`,
 * `-Remaining`, `-Reset` (draft 6), and `X-RateLimit-Limit`, `-Remaining`, `-Reset`
 * (delta seconds, epoch seconds as GitHub sends, or epoch ms) and `-Reset-After`. With
 * several policies the one with the fewest requests left decides. Never throws: a
 * malformed field is left out.
 *
 * @example
 * ```ts
 * parseAnnouncedQuota(new Headers({ ratelimit: '"api";r=0;t=1', 'ratelimit-policy': '"api";q=100;w=1' }));
 * // { limit: 100, remaining: 0, resetMs: 1000, windowMs: 1000, resetPrecise: false }
 * ```
 */
export function parseAnnouncedQuota(headers: Headers, now?: number): AnnouncedQuota | undefined {
  try {
    if (!mayAnnounce(headers)) return undefined; // most responses: one look at the names, no field read
    const quota = structured(headers) ?? draft6(headers) ?? legacy(headers, now ?? Date.now());
    return quota && (quota.remaining !== undefined || quota.limit !== undefined) ? quota : undefined;
  } catch {
    return undefined; // a header getter that throws, or anything unforeseen: no announcement
  }
}

/**
 * Whether any header name could carry a quota (`RateLimit*`, `X-RateLimit*`): one pass over
 * the names is cheaper than the five lookups that find nothing. Header objects that cannot
 * list their names are read in full.
 */
function mayAnnounce(headers: Headers): boolean {
  if (typeof headers.keys !== 'function') return true;
  // Headers lists its names in lower case; one that throws here reads as no announcement.
  for (const name of headers.keys()) if (name.startsWith('ratelimit') || name.startsWith('x-ratelimit')) return true;
  return false;
}

/** `RateLimit` as draft 7 (`limit=, remaining=, reset=`) or draft 8+ (`"name";r=;t=`), with `RateLimit-Policy`. */
function structured(headers: Headers): AnnouncedQuota | undefined {
  const field = headers.get('ratelimit');
  if (field === null) return undefined;
  const policies = items(headers.get('ratelimit-policy'));
  const flat = params(field);
  if (flat.has('remaining') || flat.has('limit')) {
    const policy = policies[0];
    return quota(count(flat.get('limit')) ?? count(policy?.get('q')), count(flat.get('remaining')), seconds(flat.get('reset')), seconds(policy?.get('w')));
  }
  let best: AnnouncedQuota | undefined;
  for (const item of items(field)) {
    const remaining = count(item.get('r'));
    if (remaining === undefined) continue;
    const policy = policies.find((candidate) => candidate.get('') === item.get('')) ?? (policies.length === 1 ? policies[0] : undefined);
    const candidate = quota(count(policy?.get('q')), remaining, seconds(item.get('t')), seconds(policy?.get('w')));
    if (!best || remaining < (best.remaining ?? Number.POSITIVE_INFINITY)) best = candidate;
  }
  return best;
}

/** `RateLimit-Limit` (`100` or `100, 100;w=1`), `RateLimit-Remaining`, `RateLimit-Reset` (delta seconds). */
function draft6(headers: Headers): AnnouncedQuota | undefined {
  const limitField = headers.get('ratelimit-limit');
  const remainingField = headers.get('ratelimit-remaining');
  if (limitField === null && remainingField === null) return undefined;
  const firstLimit = limitField?.split(',')[0]?.trim();
  const policy = items(headers.get('ratelimit-policy'))[0] ?? items(limitField).find((item) => item.has('w'));
  return quota(
    count(firstLimit) ?? count(policy?.get('q')),
    count(remainingField?.split(',')[0]),
    seconds(headers.get('ratelimit-reset')?.split(',')[0]),
    seconds(policy?.get('w')),
  );
}

/** `X-RateLimit-*`: the reset in delta seconds, epoch seconds or epoch ms, or `-Reset-After`. */
function legacy(headers: Headers, now: number): AnnouncedQuota | undefined {
  const limit = count(headers.get('x-ratelimit-limit'));
  const remaining = count(headers.get('x-ratelimit-remaining'));
  if (limit === undefined && remaining === undefined) return undefined;
  const reset = resetValue(headers.get('x-ratelimit-reset'), serverNow(headers, now));
  const afterText = reset ? null : headers.get('x-ratelimit-reset-after');
  const after = seconds(afterText);
  return quota(limit, remaining, reset?.ms ?? after, undefined, reset?.precise ?? (after !== undefined && (afterText as string).includes('.')));
}

/** Our clock, unless the server's `Date` says its clock is off by more than {@link SKEW_MS}. */
function serverNow(headers: Headers, now: number): number {
  const date = headers.get('date');
  if (date === null) return now;
  const parsed = Date.parse(date);
  if (!Number.isFinite(parsed)) return now;
  return Math.abs(parsed - now) > SKEW_MS ? parsed : now;
}

/** An `X-RateLimit-Reset` value: epoch seconds, epoch ms or delta seconds, as ms from `now`. */
function resetValue(value: string | null, now: number): { ms: number; precise: boolean } | undefined {
  const text = value?.trim();
  if (!text || !NUMBER.test(text)) return undefined;
  const number = Number(text);
  const decimal = text.includes('.'); // `1700000000.020`: given to the millisecond, even when it ends in .000
  if (Math.abs(number * 1000 - now) < MAX_MS) return { ms: clampMs(number * 1000 - now), precise: decimal };
  if (Math.abs(number - now) < MAX_MS) return { ms: clampMs(number - now), precise: true };
  const delta = seconds(text);
  return delta === undefined ? undefined : { ms: delta, precise: decimal };
}

/** Splits a list field into items of parameters; an item's bare leading token is stored under `''`. */
function items(field: string | null | undefined): Array<Map<string, string>> {
  if (!field) return [];
  return field.split(',').map((item) => {
    const map = new Map<string, string>();
    item.split(';').forEach((part, index) => {
      const equals = part.indexOf('=');
      if (equals < 0) {
        if (index === 0) map.set('', unquote(part));
        return;
      }
      map.set(part.slice(0, equals).trim().toLowerCase(), unquote(part.slice(equals + 1)));
    });
    const bare = map.get('');
    if (bare !== undefined && NUMBER.test(bare) && !map.has('q')) map.set('q', bare); // `100;w=1`
    return map;
  });
}

function params(field: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of field.split(/[;,]/)) {
    const equals = part.indexOf('=');
    if (equals > 0) map.set(part.slice(0, equals).trim().toLowerCase(), unquote(part.slice(equals + 1)));
  }
  return map;
}

function unquote(text: string): string {
  const trimmed = text.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
}

function count(value: string | null | undefined): number | undefined {
  const text = value?.trim();
  if (!text || !NUMBER.test(text)) return undefined;
  return Math.min(MAX_COUNT, Math.floor(Number(text)));
}

function seconds(value: string | null | undefined): number | undefined {
  const text = value?.trim();
  if (!text || !NUMBER.test(text)) return undefined;
  return clampMs(Number(text) * 1000);
}

function clampMs(ms: number): number {
  return Number.isFinite(ms) ? Math.min(MAX_MS, Math.max(0, Math.round(ms))) : MAX_MS;
}

/** An announcement with only the fields that were given, in this order. */
function quota(limit: number | undefined, remaining: number | undefined, resetMs: number | undefined, windowMs: number | undefined, resetPrecise = false): AnnouncedQuota {
  const out = {} as AnnouncedQuota;
  if (limit !== undefined) out.limit = limit;
  if (remaining !== undefined) out.remaining = remaining;
  if (resetMs !== undefined) out.resetMs = resetMs;
  if (windowMs !== undefined) out.windowMs = windowMs;
  out.resetPrecise = resetPrecise;
  return out;
}
