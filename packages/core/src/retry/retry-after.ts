/**
 * Reading a server's requested delay: `Retry-After` (delay-seconds and the three
 * HTTP-date forms of RFC 9110), the IETF `RateLimit` draft headers and the common
 * `X-RateLimit-*` headers. Every function returns milliseconds, never a negative number,
 * and `undefined` for an absent or malformed value.
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
// The three HTTP-date forms as regex literals, not built from shared pieces at load time:
// a literal is free to drop, so a bundle that never reads a date does not carry them.
/** `Sun, 06 Nov 1994 08:49:37 GMT` */
const IMF_FIXDATE = /^(?:mon|tue|wed|thu|fri|sat|sun), (\d{2}) (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/i;
/** `Sunday, 06-Nov-94 08:49:37 GMT` */
const RFC_850 =
  /^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday), (\d{2})-(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/i;
/** `Sun Nov  6 08:49:37 1994` */
const ASCTIME = /^(?:mon|tue|wed|thu|fri|sat|sun) (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/i;
const NUMBER = /^-?\d+(?:\.\d+)?$/;
const YEAR_MS = 366 * 24 * 3600 * 1000;

/**
 * Parses a `Retry-After` value into milliseconds from `now`: delay-seconds (`120`), or an
 * HTTP-date in any of its three forms (IMF-fixdate, RFC 850, asctime). A date in the
 * past, or a negative number, gives `0`; a malformed value gives `undefined`.
 *
 * @example
 * ```ts
 * parseRetryAfter('120'); // 120000
 * parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', Date.UTC(1994, 10, 6, 8, 49, 7)); // 30000
 * parseRetryAfter('soon'); // undefined
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  const seconds = parseSeconds(text);
  if (seconds !== undefined) return seconds;
  const date = parseHttpDate(text, now);
  return date === undefined ? undefined : Math.max(0, date - now);
}

/**
 * The delay, in milliseconds from `now`, that a response asks for before the next
 * request. It reads, in order: `Retry-After-Ms`, `Retry-After`, `RateLimit` (IETF
 * draft: `t=` seconds, or the older `reset=`), `RateLimit-Reset`, `X-RateLimit-Reset`
 * (epoch seconds when the value is a current epoch, else delta seconds) and
 * `X-RateLimit-Reset-After`. A malformed header is skipped; `undefined` when none gives
 * a delay.
 *
 * @example
 * ```ts
 * serverDelay(new Headers({ 'retry-after': '2' })); // 2000
 * serverDelay(new Headers({ ratelimit: '"default";r=0;t=5' })); // 5000
 * ```
 */
export function serverDelay(headers: Headers, now: number = Date.now()): number | undefined {
  const candidates: Array<() => number | undefined> = [
    () => parseSeconds(headers.get('retry-after-ms'), 1),
    () => parseRetryAfter(headers.get('retry-after'), now),
    () => rateLimitField(headers.get('ratelimit')).reset,
    () => parseReset(headers.get('ratelimit-reset'), now),
    () => parseReset(headers.get('x-ratelimit-reset'), now),
    () => parseSeconds(headers.get('x-ratelimit-reset-after')),
  ];
  for (const candidate of candidates) {
    const delay = candidate();
    if (delay !== undefined) return delay;
  }
  return undefined;
}

/**
 * Milliseconds until the quota resets when a response says it is used up before any 429:
 * `RateLimit: r=0` with `t=`, or `RateLimit-Remaining: 0` with `RateLimit-Reset`, or
 * `X-RateLimit-Remaining: 0` with `X-RateLimit-Reset` / `X-RateLimit-Reset-After`.
 * `undefined` when the quota is not exhausted or no reset time comes with it.
 *
 * @example
 * ```ts
 * quotaExhausted(new Headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '3' })); // 3000
 * quotaExhausted(new Headers({ 'x-ratelimit-remaining': '7', 'x-ratelimit-reset-after': '3' })); // undefined
 * ```
 */
export function quotaExhausted(headers: Headers, now: number = Date.now()): number | undefined {
  const combined = rateLimitField(headers.get('ratelimit'));
  if (combined.exhausted && combined.reset !== undefined) return combined.reset;
  if (isZero(headers.get('ratelimit-remaining'))) {
    const reset = parseReset(headers.get('ratelimit-reset'), now);
    if (reset !== undefined) return reset;
  }
  if (isZero(headers.get('x-ratelimit-remaining'))) {
    const reset = parseReset(headers.get('x-ratelimit-reset'), now) ?? parseSeconds(headers.get('x-ratelimit-reset-after'));
    if (reset !== undefined) return reset;
  }
  return undefined;
}

/** Non-negative seconds (decimals allowed) as whole milliseconds; negative gives 0. */
/** A delay in seconds (`unit` 1000) or milliseconds (`unit` 1), as whole ms rounded up. */
function parseSeconds(value: string | null | undefined, unit = 1000): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (!NUMBER.test(text)) return undefined;
  const ms = Math.ceil(Number(text) * unit);
  return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
}

/** A reset value: epoch seconds (or epoch ms) when it is near `now`, else delta seconds. */
function parseReset(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (!NUMBER.test(text)) return undefined;
  const number = Number(text);
  if (Math.abs(number * 1000 - now) < YEAR_MS) return Math.max(0, Math.ceil(number * 1000 - now));
  if (Math.abs(number - now) < YEAR_MS) return Math.max(0, Math.ceil(number - now));
  return parseSeconds(text);
}

function isZero(value: string | null): boolean {
  if (value === null) return false;
  const first = value.split(',')[0]?.trim() ?? '';
  return NUMBER.test(first) && Number(first) <= 0;
}

interface RateLimitField {
  reset: number | undefined;
  exhausted: boolean;
}

/**
 * Reads the `RateLimit` field: the structured form of the current drafts
 * (`"policy";r=0;t=30`, several policies separated by commas) and the older
 * `limit=100, remaining=0, reset=30`. With several policies, the exhausted ones decide,
 * and the longest wait wins.
 */
function rateLimitField(value: string | null): RateLimitField {
  if (value === null) return { reset: undefined, exhausted: false };
  const params = fieldParams(value, /[;,]/);
  if (params.has('reset') || params.has('remaining')) {
    const reset = parseSeconds(params.get('reset'));
    return { reset, exhausted: isZero(params.get('remaining') ?? null) };
  }
  const items = value.split(',').map((item) => {
    const fields = fieldParams(item, ';');
    return { remaining: fields.get('r'), reset: parseSeconds(fields.get('t')) };
  });
  const exhausted = items.filter((item) => item.remaining !== undefined && isZero(item.remaining));
  const pool = (exhausted.length > 0 ? exhausted : items).map((item) => item.reset).filter((reset) => reset !== undefined);
  return { reset: pool.length > 0 ? Math.max(...pool) : undefined, exhausted: exhausted.length > 0 };
}

/** `key=value` pairs split at `separator`, keys and values trimmed and lower-cased. */
function fieldParams(text: string, separator: string | RegExp): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of text.split(separator)) {
    const [key, raw] = part.split('=', 2).map((piece) => piece.trim().toLowerCase());
    if (key && raw !== undefined) params.set(key, raw);
  }
  return params;
}

/** An HTTP-date in one of its three forms, as epoch ms; `undefined` when malformed. */
function parseHttpDate(text: string, now: number): number | undefined {
  let match = IMF_FIXDATE.exec(text);
  if (match) return utc(Number(match[3]), match[2], match[1], match[4], match[5], match[6]);
  match = RFC_850.exec(text);
  if (match) return utc(fullYear(Number(match[3]), now), match[2], match[1], match[4], match[5], match[6]);
  match = ASCTIME.exec(text);
  if (match) return utc(Number(match[6]), match[1], match[2], match[3], match[4], match[5]);
  return undefined;
}

/** RFC 9110: a two-digit year more than 50 years ahead is the most recent past one. */
function fullYear(twoDigits: number, now: number): number {
  const current = new Date(now).getUTCFullYear();
  let year = Math.floor(current / 100) * 100 + twoDigits;
  if (year > current + 50) year -= 100;
  return year;
}

function utc(
  year: number,
  monthName: string | undefined,
  dayText: string | undefined,
  hourText: string | undefined,
  minuteText: string | undefined,
  secondText: string | undefined,
): number | undefined {
  const month = MONTHS.indexOf((monthName ?? '').toLowerCase());
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Math.min(Number(secondText), 59); // a leap second counts as :59
  if (month < 0 || hour > 23 || minute > 59 || Number(secondText) > 60) return undefined;
  const time = Date.UTC(year, month, day, hour, minute, second);
  const check = new Date(time);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month) return undefined; // e.g. 31 Feb
  return time;
}
