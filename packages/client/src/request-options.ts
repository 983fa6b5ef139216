import type { RequestOptions } from '@sluice/core';
import type { Options as KyOptions } from 'ky';

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
export type ClientRequestOptions = Omit<
  KyOptions,
  'retry' | 'timeout' | 'totalTimeout' | 'throwHttpErrors' | 'fetch' | 'prefix' | 'baseUrl' | 'parseJson'
> &
  Omit<RequestOptions, 'retry'> & {
    /** Retry settings for this call: a number is ky's form, the retry limit (`0`: no retries); `false` sends once. */
    retry?: number | RequestOptions['retry'];
  };

/** Sluice's options that ky would consume itself if it saw them. */
const COLLIDING = ['retry', 'timeout', 'throwHttpErrors'] as const;

/**
 * What one call hands its pipeline beside what ky builds: Sluice's options that ky would
 * swallow (`retry`, `timeout`, `throwHttpErrors`) and two facts about the call. It
 * travels in the closure of the call's own `fetch` (a ky option), never through ky.
 */
export interface CallChannel {
  readonly overrides: Readonly<Partial<Record<(typeof COLLIDING)[number], unknown>>>;
  /** The caller's body was a one-shot stream: the pipeline must not replay it. */
  readonly streamBody: boolean;
  /**
   * No signal can reach ky's request (none given, no hooks): the signal ky adds then never
   * aborts, so the pipeline is told the request has no caller signal.
   */
  readonly noSignal: boolean;
}

/** The channel of a call that brought nothing (ky used directly through `client.ky`). */
export const EMPTY_CHANNEL: CallChannel = { overrides: {}, streamBody: false, noSignal: false };

/**
 * Splits one call's options into ky's (without the colliding keys) and the call's
 * {@link CallChannel}. A ky-style numeric `retry` becomes `{ limit }` (`0`: no retries).
 */
export function splitCall(options: ClientRequestOptions | undefined, mayHaveSignal = true): { kyOptions: Record<string, unknown>; channel: CallChannel } {
  const kyOptions: Record<string, unknown> = { ...(options ?? {}) };
  const overrides: Partial<Record<(typeof COLLIDING)[number], unknown>> = {};
  for (const key of COLLIDING) {
    if (key in kyOptions) {
      const value = kyOptions[key];
      delete kyOptions[key];
      overrides[key] = key === 'retry' && typeof value === 'number' ? { limit: value } : value;
    }
  }
  const channel: CallChannel = {
    overrides,
    streamBody: typeof ReadableStream !== 'undefined' && kyOptions.body instanceof ReadableStream,
    noSignal: !mayHaveSignal && (kyOptions.signal === undefined || kyOptions.signal === null) && kyOptions.hooks === undefined,
  };
  return { kyOptions, channel };
}

/**
 * The pipeline `init` for what ky hands its fetch: ky's unknown options (Sluice's `skip`,
 * `auth`, `correlationId`, `bodyFactory`...) as ky forwards them, plus the call's channel.
 * A one-shot stream body is passed as `init.body`, so the pipeline marks the request
 * non-replayable.
 */
export function pipelineInit(request: Request, init: Record<string, unknown> | undefined, channel: CallChannel): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(init ?? {}), ...channel.overrides };
  // ky always adds a signal of its own; with its timeouts off it never aborts: drop it.
  if (channel.noSignal && out.signal === undefined) out.signal = null;
  if (channel.streamBody && request.body && !('bodyFactory' in out && out.bodyFactory)) out.body = request.body;
  return out;
}
