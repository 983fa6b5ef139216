import type { Context } from '../types/index.js';
import { createRedaction } from './redaction.js';

/*
 * How a middleware adds to its request's secrets. The request's secrets (see
 * RequestSecrets) read what these write: the values in `context.state.secrets` and the
 * names of `context.redaction`.
 */

/**
 * Adds values (a credential a middleware set, in each form it is sent) to the secrets of
 * this request: its errors, events and `secretsOf(response)` hide them from then on.
 * Empty values and non-strings are skipped.
 *
 * @example
 * ```ts
 * const session: Middleware = {
 *   name: 'session',
 *   handle(request, context, next) {
 *     const id = 'sess-42a9';
 *     request.headers.set('x-session', id);
 *     addSecrets(context, id);
 *     return next(request);
 *   },
 * };
 * ```
 */
export function addSecrets(context: Context, ...values: readonly (string | undefined)[]): void {
  for (const value of values) {
    if (typeof value !== 'string' || value === '') continue;
    context.state.secrets ??= new Set<string>();
    context.state.secrets.add(value);
  }
}

/**
 * Makes header and query-parameter names secret for this request: the redaction in force
 * is replaced by a wider one (a redaction is never changed in place, so the errors
 * middleware's own stays as it is). Nothing is made when every name is already secret.
 *
 * @example
 * ```ts
 * const octopusKey: Middleware = {
 *   name: 'octopusKey',
 *   handle(request, context, next) {
 *     addSecretNames(context, ['x-octopus-apikey']);
 *     request.headers.set('x-octopus-apikey', 'API-KEY123');
 *     return next(request);
 *   },
 * };
 * ```
 */
export function addSecretNames(context: Context, names: readonly string[]): void {
  if (names.some((name) => !context.redaction.names.has(name.toLowerCase()))) {
    context.redaction = createRedaction([...context.redaction.names, ...names]);
  }
}
