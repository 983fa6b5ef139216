import { type CryptoKey, decodeJwt, importJWK, importSPKI, jwtVerify } from 'jose';
import { HttpResponse } from 'msw';
import type { OAuthSim } from './state.js';
import type { OAuthClient, OAuthClientAuthMethod } from './types.js';

/*
 * Internal: how the simulated token endpoint authenticates a client: HTTP Basic
 * (`client_secret_basic`), a signed assertion (`private_key_jwt`, RFC 7523), the secret in
 * the form (`client_secret_post`), or only a `client_id` (`none`).
 */

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The authenticated client, or the 401 `invalid_client` to answer. */
export async function authenticateClient(sim: OAuthSim, request: Request, form: URLSearchParams): Promise<OAuthClient | Response> {
  const header = request.headers.get('authorization');
  if (header?.toLowerCase().startsWith('basic ')) return basicClient(sim, header);
  const assertionType = form.get('client_assertion_type');
  if (assertionType !== null) return assertionClient(sim, assertionType, form);
  return formClient(sim, form);
}

function methodAllowed(sim: OAuthSim, client: OAuthClient, method: OAuthClientAuthMethod): boolean {
  return sim.allowedMethods.get(client.clientId)?.includes(method) === true;
}

function basicClient(sim: OAuthSim, header: string): OAuthClient | Response {
  let id = '';
  let secret = '';
  try {
    const decoded = new TextDecoder().decode(Uint8Array.from(atob(header.slice(6).trim()), (c) => c.charCodeAt(0)));
    const colon = decoded.indexOf(':');
    id = formDecode(decoded.slice(0, colon));
    secret = formDecode(decoded.slice(colon + 1));
  } catch {
    return invalidClient('malformed Basic credentials', true);
  }
  const client = sim.clients.get(id);
  if (!client || client.clientSecret !== secret || !methodAllowed(sim, client, 'client_secret_basic')) return invalidClient('client authentication failed', true);
  return client;
}

async function assertionClient(sim: OAuthSim, assertionType: string, form: URLSearchParams): Promise<OAuthClient | Response> {
  const assertion = form.get('client_assertion');
  if (assertionType !== ASSERTION_TYPE || !assertion) return invalidClient('unsupported client_assertion_type or missing client_assertion');
  let claimedId: string | undefined;
  try {
    claimedId = decodeJwt(assertion).iss;
  } catch {
    return invalidClient('client_assertion is not a JWT');
  }
  const client = claimedId === undefined ? undefined : sim.clients.get(claimedId);
  if (!client?.publicKey || !methodAllowed(sim, client, 'private_key_jwt')) return invalidClient('unknown client or private_key_jwt not allowed');
  const bodyId = form.get('client_id');
  if (bodyId !== null && bodyId !== client.clientId) return invalidClient('client_id does not match the assertion');
  try {
    const { payload } = await jwtVerify(assertion, await clientKey(sim, client), {
      issuer: client.clientId,
      subject: client.clientId,
      audience: [sim.tokenUrl, sim.issuer],
      currentDate: new Date(sim.now()),
      requiredClaims: ['jti', 'exp', 'iat'],
      maxTokenAge: 300,
    });
    const jti = payload.jti as string;
    if (sim.usedAssertions.has(jti)) return invalidClient('client_assertion jti was already used');
    sim.usedAssertions.add(jti);
  } catch (error) {
    return invalidClient(`client_assertion rejected: ${error instanceof Error ? error.message : String(error)}`);
  }
  return client;
}

function formClient(sim: OAuthSim, form: URLSearchParams): OAuthClient | Response {
  const id = form.get('client_id');
  const client = id === null ? undefined : sim.clients.get(id);
  if (!client) return invalidClient('no client authentication');
  const secret = form.get('client_secret');
  if (secret !== null) {
    if (client.clientSecret !== secret || !methodAllowed(sim, client, 'client_secret_post')) return invalidClient('client authentication failed');
    return client;
  }
  if (!methodAllowed(sim, client, 'none')) return invalidClient('this client must authenticate');
  return client;
}

/** The client's public key (an SPKI PEM, a JWK or a CryptoKey), imported once. */
function clientKey(sim: OAuthSim, client: OAuthClient): Promise<CryptoKey | Uint8Array> {
  let key = sim.clientKeys.get(client.clientId);
  if (!key) {
    const input = client.publicKey;
    const alg = client.algorithm ?? (typeof input === 'object' && input !== null && 'kty' in input ? input.alg : undefined) ?? 'RS256';
    key =
      typeof input === 'string' ? importSPKI(input, alg) : typeof input === 'object' && input !== null && 'kty' in input ? importJWK(input, alg) : Promise.resolve(input as CryptoKey);
    sim.clientKeys.set(client.clientId, key);
  }
  return key;
}

function invalidClient(description: string, basic = false): Response {
  return HttpResponse.json(
    { error: 'invalid_client', error_description: description },
    { status: 401, headers: basic ? { 'www-authenticate': 'Basic realm="token"' } : {} },
  );
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}
