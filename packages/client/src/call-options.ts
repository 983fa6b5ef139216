import { freshRequest, type SluiceFetch, type SluiceRequestInit } from '@sluice/core';
import type { Options as KyOptions } from 'ky';
import { refuseLineBreaks } from './call-errors.js';
import { OWNED_ELSEWHERE, REQUEST_KEYS, typoOf } from './option-keys.js';
import type { ClientRequestOptions } from './request-options.js';
import { checkSearchParams } from './search-params.js';

/*
 * Internal: how one call's options reach ky and the pipeline.
 */

/**
 * What one call hands its pipeline beside what ky builds: Sluice's options that ky would
 * swallow (`retry`, `timeout`, `throwHttpErrors`) and two facts about the call. It
 * travels in the closure of the call's own `fetch` (a ky option), never through ky.
 */
interface CallChannel {
  readonly overrides: Readonly<Record<string, unknown>> | undefined;
  /** The caller's body was a one-shot stream: the pipeline must not replay it. */
  readonly streamBody: boolean;
  /**
   * No signal can reach ky's request (none given, no hooks): the signal ky adds then never
   * aborts, so the pipeline is told the request has no caller signal.
   */
  readonly noSignal: boolean;
}

/** The fetch ky calls, per call or shared: ky's Request goes to the pipeline as it is. */
export type PipelineFetch = NonNullable<KyOptions['fetch']>;

/**
 * The fetch ky calls: the pipeline, given ky's Request as it is (ky builds one per call
 * and never sends it twice), ky's unknown options (`skip`, `auth`...) as its init, and the
 * channel. The init is the object ky makes for this call, so it is completed in place.
 */
function channelFetch(pipeline: SluiceFetch, channel: CallChannel): PipelineFetch {
  const { overrides, streamBody, noSignal } = channel;
  return ((request: Request, init: Record<string, unknown> = {}) => {
    if (overrides) Object.assign(init, overrides);
    // ky always adds a signal of its own; with its timeouts off it never aborts: say so.
    if (noSignal && init.signal === undefined) init.signal = null;
    // A one-shot stream goes as `init.body`, so the pipeline marks the request non-replayable.
    if (streamBody && request.body && !init.bodyFactory) init.body = request.body;
    return pipeline(freshRequest(request), init as SluiceRequestInit);
  }) as PipelineFetch;
}

/**
 * The two fetches shared by every call that brings no Sluice option ky would swallow:
 * `quiet` when no signal can reach ky's request, `plain` otherwise (and for `client.ky`).
 */
export function sharedFetches(pipeline: SluiceFetch): { quiet: PipelineFetch; plain: PipelineFetch } {
  return {
    quiet: channelFetch(pipeline, { overrides: undefined, streamBody: false, noSignal: true }),
    plain: channelFetch(pipeline, { overrides: undefined, streamBody: false, noSignal: false }),
  };
}

/** Sluice's options that ky would consume itself if it saw them. */
const COLLIDING = ['retry', 'timeout', 'throwHttpErrors'] as const;

/**
 * Checks one call's options and returns ky's: the colliding keys go to a fetch of this
 * call only (a ky-style numeric `retry` becomes `{ limit }`); otherwise one of the shared
 * fetches is used and the caller's object is passed to ky as it is.
 */
export function callOptions(
  options: ClientRequestOptions,
  mayHaveSignal: boolean,
  pipeline: SluiceFetch,
  shared: { quiet: PipelineFetch; plain: PipelineFetch },
): KyOptions {
  checkCallOptions(options);
  const noSignal = !mayHaveSignal && options.signal == null && options.hooks === undefined;
  const streamBody = typeof ReadableStream !== 'undefined' && options.body instanceof ReadableStream;
  let overrides: Record<string, unknown> | undefined;
  for (const key of COLLIDING) {
    if (!(key in options)) continue;
    const value = options[key];
    overrides ??= {};
    overrides[key] = key === 'retry' && typeof value === 'number' ? { limit: value } : value;
  }
  const kyOptions = { ...options } as Record<string, unknown>;
  // Present even as `undefined`, a colliding key would override the client's (ky's retry: 0).
  if (overrides) for (const key of COLLIDING) delete kyOptions[key];
  kyOptions.fetch = overrides || streamBody ? channelFetch(pipeline, { overrides, streamBody, noSignal }) : noSignal ? shared.quiet : shared.plain;
  return kyOptions as KyOptions;
}

/**
 * Refuses what ky would take silently: a Sluice-owned key given in ky's place, a key one
 * or two edits from a known option (`retyr`), a malformed `searchParams`, a header value
 * with CR/LF. Keys nowhere near a known one (fetch extensions such as `dispatcher`, your
 * own declaration-merged options) go through, as ky forwards them.
 */
function checkCallOptions(options: ClientRequestOptions): void {
  for (const key in options) {
    if (key in REQUEST_KEYS) continue;
    const owner = OWNED_ELSEWHERE[key];
    if (owner?.request) throw new TypeError(`The "${key}" request option is not one of a Sluice client's: use ${owner.request}.`);
    const typo = typoOf(key, REQUEST_KEYS);
    if (typo !== undefined) throw new TypeError(`Unknown request option "${key}" (did you mean "${typo}"?)`);
  }
  if (options.searchParams !== undefined) checkSearchParams('', options.searchParams);
  refuseLineBreaks(options.headers);
}
