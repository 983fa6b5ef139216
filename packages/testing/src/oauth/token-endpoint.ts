import { HttpResponse } from 'msw';
import { authenticateClient } from './client-auth.js';
import type { OAuthSim } from './state.js';
import { mint } from './tokens.js';
import type { OAuthClient } from './types.js';

/*
 * Internal: the simulated server's token endpoint (client credentials and refresh-token
 * grants), with its configured delay and scripted failures.
 */

/** Answers one token call. */
export async function tokenEndpoint(sim: OAuthSim, request: Request): Promise<Response> {
  sim.stats.tokenCalls++;
  // The client went away while the server "worked": answer nothing.
  if (sim.tokenDelayMs > 0 && !(await stillThereAfter(sim.tokenDelayMs, request.signal))) return Response.error();
  const failures = sim.failures;
  if (failures.count > 0) {
    failures.count--;
    return HttpResponse.json(failures.body ?? { error: 'server_error', error_description: 'simulated failure' }, { status: failures.status });
  }
  if (!(request.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded')) {
    return oauthError(400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  const form = new URLSearchParams(await request.text());
  const client = await authenticateClient(sim, request, form);
  if (client instanceof Response) return client;
  const scope = grantedScope(sim, client, form);
  if (scope instanceof Response) return scope;
  const accessToken = await mint(sim, client.clientId, scope);
  const body: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: sim.ttlSeconds, ...(scope ? { scope } : {}) };
  if (sim.options.issueRefreshTokens) {
    const refreshToken = `rt-${globalThis.crypto.randomUUID()}`;
    sim.refreshTokens.set(refreshToken, { clientId: client.clientId, scope, used: false });
    body.refresh_token = refreshToken;
  }
  return HttpResponse.json(body, { headers: { 'cache-control': 'no-store' } });
}

/** The scope the grant in `form` earns `client` (a refresh token keeps its own), or the 400 to answer. */
function grantedScope(sim: OAuthSim, client: OAuthClient, form: URLSearchParams): string | undefined | Response {
  const grant = form.get('grant_type');
  let scope = form.get('scope') ?? undefined;
  if (grant === 'refresh_token') {
    const presented = form.get('refresh_token') ?? '';
    const entry = sim.refreshTokens.get(presented);
    if (!entry || entry.used || entry.clientId !== client.clientId) return oauthError(400, 'invalid_grant', 'unknown, used or foreign refresh_token');
    scope ??= entry.scope;
    if (sim.options.issueRefreshTokens) entry.used = true;
  } else if (grant !== 'client_credentials') {
    return oauthError(400, 'unsupported_grant_type', `grant_type ${JSON.stringify(grant)} is not supported`);
  }
  if (scope && client.scopes) {
    const unknown = scope.split(' ').filter((s) => !client.scopes?.includes(s));
    if (unknown.length > 0) return oauthError(400, 'invalid_scope', `not allowed: ${unknown.join(' ')}`);
  }
  return scope;
}

function oauthError(status: number, error: string, description: string): Response {
  return HttpResponse.json({ error, error_description: description }, { status });
}

/** Waits `ms` (the server's "work"): `true` after it, `false` at once when the client aborts. Browser-safe. */
function stillThereAfter(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const gone = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', gone);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', gone, { once: true });
  });
}
