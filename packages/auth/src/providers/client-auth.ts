import { type CryptoKey, importJWK, importPKCS8, type JWK, SignJWT } from 'jose';
import { base64Utf8 } from '../util/base64.js';

/**
 * How an OAuth2 client proves who it is to the token endpoint.
 *
 * @example
 * ```ts
 * const authMethod: ClientAuthMethod = 'client_secret_post';
 * const provider = clientCredentials({ tokenUrl: 'https://auth.example.com/oauth/token', clientId: 'svc', clientSecret: 'secret', authMethod });
 * ```
 */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/**
 * A private key for `private_key_jwt`: a PKCS#8 PEM, a private JWK, or a WebCrypto `CryptoKey`.
 *
 * @example
 * ```ts
 * const privateKey: PrivateKeyInput = await readFile('client-key.pem', 'utf8'); // "-----BEGIN PRIVATE KEY-----..."
 * const provider = clientCredentials({ tokenUrl: 'https://auth.example.com/oauth/token', clientId: 'svc', privateKey, keyId: 'k1' });
 * ```
 */
export type PrivateKeyInput = string | JWK | CryptoKey;

/**
 * How the client authenticates. `authMethod` defaults to `private_key_jwt` when a
 * `privateKey` is given, `client_secret_basic` when a `clientSecret` is, else `none`.
 *
 * @example
 * ```ts
 * const auth: ClientAuthOptions = { clientId: 'svc', privateKey: pem, algorithm: 'RS256', keyId: 'k1' };
 * ```
 */
export interface ClientAuthOptions {
  /** The OAuth2 client id. */
  clientId: string;
  /** The client secret, for `client_secret_basic` and `client_secret_post`. Redacted from every error. */
  clientSecret?: string | undefined;
  /**
   * How the client authenticates to the token endpoint. Default: `private_key_jwt` with a
   * `privateKey`, else `client_secret_basic` with a `clientSecret`, else `none`.
   */
  authMethod?: ClientAuthMethod | undefined;
  /** For `private_key_jwt`. */
  privateKey?: PrivateKeyInput | undefined;
  /** JWS algorithm of the assertion. Default: the JWK's `alg`, else what the key implies, else `RS256`. */
  algorithm?: string | undefined;
  /** `kid` header of the assertion. Default: the JWK's `kid`. */
  keyId?: string | undefined;
  /** `aud` of the assertion. Default: the token URL (RFC 7523 also allows the issuer). */
  assertionAudience?: string | undefined;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Checks client auth options at creation and returns the effective method. */
export function resolveClientAuth(options: ClientAuthOptions, where: string): ClientAuthMethod {
  if (typeof options.clientId !== 'string' || options.clientId === '') throw new TypeError(`${where}: "clientId" must be a non-empty string.`);
  const method = options.authMethod ?? (options.privateKey !== undefined ? 'private_key_jwt' : options.clientSecret !== undefined ? 'client_secret_basic' : 'none');
  if (!['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'].includes(method)) {
    throw new TypeError(`${where}: unknown "authMethod" ${JSON.stringify(method)} (use client_secret_basic, client_secret_post, private_key_jwt or none).`);
  }
  if ((method === 'client_secret_basic' || method === 'client_secret_post') && (typeof options.clientSecret !== 'string' || options.clientSecret === '')) {
    throw new TypeError(`${where}: authMethod "${method}" needs a non-empty "clientSecret".`);
  }
  if (method === 'private_key_jwt') {
    const key = options.privateKey;
    if (key === undefined || key === null || (typeof key !== 'string' && typeof key !== 'object')) {
      throw new TypeError(`${where}: authMethod "private_key_jwt" needs a "privateKey" (PKCS#8 PEM, JWK or CryptoKey).`);
    }
    if (typeof key === 'string' && !key.includes('-----BEGIN PRIVATE KEY-----')) {
      throw new TypeError(`${where}: "privateKey" must be a PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"); convert others with "openssl pkcs8 -topk8 -nocrypt".`);
    }
  }
  return method;
}

/**
 * Makes the client-authentication part of token calls: adds the Basic header, the
 * secret to the form, or a fresh RFC 7523 assertion (iss = sub = clientId, aud, jti,
 * iat, exp = iat + 60 s) signed with jose. Returns the secret values to scrub from
 * errors: the secret (raw and encoded), the Basic header value and its base64, or the assertion.
 */
export function clientAuthenticator(options: ClientAuthOptions, method: ClientAuthMethod, tokenUrl: string, clock: () => number) {
  let keyPromise: Promise<{ key: CryptoKey | Uint8Array; alg: string }> | undefined;
  const loadKey = () => {
    keyPromise ??= importKey(options).catch((error: unknown) => {
      keyPromise = undefined;
      throw new TypeError(`private_key_jwt: the private key could not be imported: ${error instanceof Error ? error.message : String(error)}`);
    });
    return keyPromise;
  };
  return async function authenticate(params: URLSearchParams, headers: Headers): Promise<string[]> {
    const { clientId, clientSecret = '' } = options;
    if (method === 'client_secret_basic') {
      const encoded = base64Utf8(`${formEncode(clientId)}:${formEncode(clientSecret)}`);
      headers.set('authorization', `Basic ${encoded}`);
      return secretForms(clientSecret, encoded, `Basic ${encoded}`);
    }
    if (method === 'client_secret_post') {
      params.set('client_id', clientId);
      params.set('client_secret', clientSecret);
      return secretForms(clientSecret);
    }
    params.set('client_id', clientId);
    if (method === 'none') return [];
    const { key, alg } = await loadKey();
    const now = Math.floor(clock() / 1000);
    const kid = options.keyId ?? (isJwk(options.privateKey) ? options.privateKey.kid : undefined);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(options.assertionAudience ?? tokenUrl)
      .setJti(globalThis.crypto.randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(key);
    params.set('client_assertion_type', ASSERTION_TYPE);
    params.set('client_assertion', assertion);
    return [assertion];
  };
}

/** The secret as sent and as it may be echoed back (form- and URI-encoded), plus other values, without duplicates. */
function secretForms(secret: string, ...more: string[]): string[] {
  return [...new Set([secret, formEncode(secret), encodeURIComponent(secret), ...more])];
}

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 §2.3.1). */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function isJwk(key: PrivateKeyInput | undefined): key is JWK {
  return typeof key === 'object' && key !== null && 'kty' in key;
}

async function importKey(options: ClientAuthOptions): Promise<{ key: CryptoKey | Uint8Array; alg: string }> {
  const input = options.privateKey;
  if (typeof input === 'string') {
    const alg = options.algorithm ?? 'RS256';
    return { key: await importPKCS8(input, alg), alg };
  }
  if (isJwk(input)) {
    const alg = options.algorithm ?? input.alg ?? algForJwk(input);
    return { key: await importJWK(input, alg), alg };
  }
  const key = input as CryptoKey;
  return { key, alg: options.algorithm ?? algForCryptoKey(key) };
}

function algForJwk(jwk: JWK): string {
  if (jwk.kty === 'EC') return jwk.crv === 'P-384' ? 'ES384' : jwk.crv === 'P-521' ? 'ES512' : 'ES256';
  if (jwk.kty === 'OKP') return 'EdDSA';
  return 'RS256';
}

function algForCryptoKey(key: CryptoKey): string {
  const algorithm = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
  const bits = algorithm.hash?.name.replace('SHA-', '') ?? '256';
  if (algorithm.name === 'RSASSA-PKCS1-v1_5') return `RS${bits}`;
  if (algorithm.name === 'RSA-PSS') return `PS${bits}`;
  if (algorithm.name === 'ECDSA') return algorithm.namedCurve === 'P-384' ? 'ES384' : algorithm.namedCurve === 'P-521' ? 'ES512' : 'ES256';
  if (algorithm.name === 'Ed25519') return 'EdDSA';
  return 'RS256';
}
