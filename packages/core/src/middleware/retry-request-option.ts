import type { RetryOptions } from './retry-options.js';

// retry's per-request option, added to the contract by declaration merging (as
// @sluice/auth adds `auth`), so that types/ imports nothing. The module is named '@sluice/core', not
// '../types/context.js': a relative augmentation does not survive bundling into one .d.ts (the published
// types then lack `retry`; the release check type-checks the option against the packed package).
declare module '@sluice/core' {
  interface RequestOptions {
    /** Per-request retry settings: `false` sends once; an object overrides the client's options. */
    retry?: false | Partial<RetryOptions>;
  }
}
