import type { RetryOptions } from './retry.js';

// retry's per-request option, added to the contract by declaration merging (as
// @sluice/auth adds `auth`), so that types/ imports nothing.
declare module '../types/context.js' {
  interface RequestOptions {
    /** Per-request retry settings: `false` sends once; an object overrides the client's options. */
    retry?: false | Partial<RetryOptions>;
  }
}
