import type { OptionKeys } from '@sluice/core';
import type { ClientOptions, TimeoutPhases } from './options.js';
import type { ClientRequestOptions, KyCallOptions } from './request-options.js';

/*
 * Internal: which option keys exist and who owns each. Every list is checked by the
 * compiler against the option types (`satisfies`), as ky's `kyOptionKeys` is against its
 * `KyOptions`: a key added to a type and not here, or listed here and not in the type,
 * fails the build.
 */

/** Every key of {@link ClientOptions}. */
export const CLIENT_KEYS = {
  baseUrl: true, headers: true, searchParams: true, timeout: true, correlationId: true, fetch: true, middleware: true,
  throwHttpErrors: true, mapError: true, secrets: true, retry: true, gate: true, retryBudget: true, concurrency: true,
  auth: true, onEvent: true, stack: true, ky: true,
} as const satisfies OptionKeys<ClientOptions>;

/** Every key of {@link TimeoutPhases}. */
export const TIMEOUT_KEYS = { attempt: true, total: true } as const satisfies OptionKeys<TimeoutPhases>;

/**
 * The ky options Sluice lets through: ky's own (bodies, hooks, progress, context) and
 * the standard `RequestInit` keys. They are valid in `createClient({ ky })` and per call.
 */
export const KY_KEYS = {
  json: true, stringifyJson: true, searchParams: true, hooks: true, onDownloadProgress: true, onUploadProgress: true,
  context: true, method: true, headers: true, body: true, cache: true, credentials: true, integrity: true,
  keepalive: true, mode: true, priority: true, redirect: true, referrer: true, referrerPolicy: true, signal: true,
  window: true,
} as const satisfies OptionKeys<KyCallOptions>;

/**
 * Sluice's own per-request options (core's and auth's). Options added by declaration
 * merging elsewhere are not known here: they reach the pipeline as ky forwards them.
 */
const SLUICE_REQUEST_KEYS = {
  retry: true, timeout: true, throwHttpErrors: true, skip: true, bodyFactory: true, correlationId: true,
  correlationScope: true, auth: true,
} as const satisfies Partial<OptionKeys<ClientRequestOptions>>;

/** Every per-request key Sluice knows. */
export const REQUEST_KEYS: Readonly<Record<string, true>> = { ...KY_KEYS, ...SLUICE_REQUEST_KEYS };

/**
 * ky options that Sluice owns in another place, with where to put them instead. Given in
 * a ky-level place (`createClient({ ky })`, or per call) they are refused: ky would
 * otherwise apply them beside Sluice, or Sluice would ignore them.
 */
export const OWNED_ELSEWHERE: Readonly<Record<string, { client: string; request: string | undefined }>> = {
  retry: { client: 'createClient({ retry }) (the retry middleware)', request: undefined },
  timeout: { client: 'createClient({ timeout }) (the timeout middlewares)', request: undefined },
  throwHttpErrors: { client: 'createClient({ throwHttpErrors }) (the errors middleware)', request: undefined },
  totalTimeout: { client: 'createClient({ timeout: { total } })', request: 'the request option timeout: { total }' },
  fetch: { client: 'createClient({ fetch })', request: 'the client option createClient({ fetch })' },
  prefix: { client: 'createClient({ baseUrl })', request: 'an absolute URL, or the client option baseUrl' },
  prefixUrl: { client: 'createClient({ baseUrl })', request: 'an absolute URL, or the client option baseUrl' },
  baseUrl: { client: 'createClient({ baseUrl })', request: 'an absolute URL, or the client option baseUrl' },
  parseJson: { client: 'none: Sluice parses JSON itself (a body that is not JSON is a ResponseParseError); read .text() to parse your own way', request: 'none: read .text() to parse your own way' },
};

/**
 * The known key one or two edits away from `key` (a swap of two neighbours counts as one),
 * if any: how a typo is told from a fetch extension ky forwards (`dispatcher`, `next`).
 * Keys of 3 or 4 characters allow one edit; shorter ones none.
 */
export function typoOf(key: string, known: Readonly<Record<string, true>>): string | undefined {
  if (key.length < 3) return undefined;
  const most = key.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = most + 1;
  const lower = key.toLowerCase();
  for (const candidate in known) {
    if (Math.abs(candidate.length - key.length) > most) continue;
    const distance = swapDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Edit distance where insertions, deletions, substitutions and swaps of neighbours cost one. */
function swapDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const up = rows[i - 1] as number[];
      let cost = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cost = Math.min(cost, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row.push(cost);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}
