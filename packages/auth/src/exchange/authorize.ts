import { addSecretNames, canReplay, cloneForReplay, toHttpError } from '@sluice/core';
import type { AuthCall } from './call.js';
import { discard } from './rebuild.js';
import { exchange } from './redirects.js';

/**
 * Sends the request with credentials (when its origin is in scope) and, on a 401 the
 * scheme can recover from (a token refresh, a Digest challenge), replays it once.
 */
export async function authorize(call: AuthCall): Promise<Response> {
  const { scheme, scope, home, request, context } = call;
  if (!scope.has(home)) return call.next(request);
  // The scheme's secret header and query names join the request's redaction.
  if (scheme.secretNames) addSecretNames(context, scheme.secretNames);
  const firstCopy = request.body === null || !canReplay(request, context) ? request : request.clone();
  const first = await exchange({ ...call, copy: firstCopy });
  if (first.response.status !== 401 || !first.credentialed || !scheme.recover) return first.response;

  const verdict = await scheme.recover(first.response, first.attached, context, call.env);
  const recoveredBy = scheme.recoveredBy ?? 'a token refresh';
  if (verdict.action === 'pass') return first.response;
  if (verdict.action === 'fail') throw await toHttpError(first.response, context, { note: verdict.note });
  if (!canReplay(request, context)) {
    throw await toHttpError(first.response, context, {
      note: `not replayed after ${recoveredBy}: its body is a one-shot stream; pass a "bodyFactory" option to make it replayable`,
    });
  }
  discard(first.response);
  const replay = await cloneForReplay(request, context, `replay after ${recoveredBy}`);
  const second = await exchange({ ...call, copy: replay });
  if (second.response.status === 401 && second.credentialed) {
    throw await toHttpError(second.response, context, { note: `still 401 after ${recoveredBy} and one replay` });
  }
  return second.response;
}
