export * from './create-client.js';
export * from './dispatcher-fetch.js';
export * from './options.js';
export type { ClientRequestOptions } from './request-options.js';
export * from './standard-stack.js';
// Loads @sluice/auth's `auth` per-request option (declaration merging) for client users.
export type { AuthMiddleware } from '@sluice/auth';
