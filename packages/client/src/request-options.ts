import type { RequestOptions } from '@sluice/core';
import type { Options as KyOptions } from 'ky';

/**
 * The ky options a Sluice client lets through, per call and in `createClient({ ky })`:
 * ky's without the ones Sluice owns (`retry`, `timeout`, `totalTimeout`,
 * `throwHttpErrors`, `fetch`, `prefix`, `baseUrl`, `parseJson`).
 *
 * @example
 * ```ts
 * const kyOptions: KyCallOptions = { hooks: { beforeRequest: [({ request }) => request.headers.set('x-app', 'a')] } };
 * const client = createClient({ baseUrl: 'https://api.example.com', ky: kyOptions });
 * ```
 */
export type KyCallOptions = Omit<
  KyOptions,
  'retry' | 'timeout' | 'totalTimeout' | 'throwHttpErrors' | 'fetch' | 'prefix' | 'baseUrl' | 'parseJson'
>;

/**
 * Options of one client call: ky's options (json, body, headers, searchParams, signal,
 * hooks...) plus Sluice's per-request options (`skip`, `retry`, `timeout`,
 * `correlationId`, `auth`, `throwHttpErrors`, `bodyFactory`...). ky's own `retry`,
 * `timeout` and `throwHttpErrors` are replaced by Sluice's, which reach the pipeline.
 *
 * @example
 * ```ts
 * const options: ClientRequestOptions = { retry: { limit: 0 }, timeout: 500, skip: ['observe'] };
 * ```
 */
export type ClientRequestOptions = KyCallOptions &
  Omit<RequestOptions, 'retry'> & {
    /** Retry settings for this call: a number is ky's form, the retry limit (`0`: no retries); `false` sends once. */
    retry?: number | RequestOptions['retry'];
  };
