/*
 * Internal: everything Sluice knows about one request's secrets, in one folder.
 * - redaction.ts: the names that are secret and the Redaction that masks URLs, headers
 *   and known values (public: createRedaction, REDACTED, DEFAULT_SECRET_NAMES);
 * - userinfo.ts: the URL's userinfo values, and errors that quote a URL being built;
 * - scrub.ts: one request's free-text scrubber and the error scrubbing built on it;
 * - add.ts: how a middleware (auth) adds values and names to its request's secrets;
 * - request.ts: one request's secrets (RequestSecrets), made by compose on first use and
 *   read by the request's events and, through secretsOf, by whoever holds its response;
 * - response.ts: where a response keeps that object (secretsOf, tagResponse).
 * The package's index re-exports only the public names.
 */
export { createRedaction, DEFAULT_SECRET_NAMES, REDACTED, type Redaction } from './redaction.js';
export { redactUrlInError, userinfoSecrets } from './userinfo.js';
export { BODY_SECRET_KEYS, createScrub, type Scrub, type ScrubSource, scrubError, secretHeaders } from './scrub.js';
export { addSecretNames, addSecrets } from './add.js';
export { RequestSecrets } from './request.js';
export { type ResponseSecrets, secretsOf, tagResponse } from './response.js';
