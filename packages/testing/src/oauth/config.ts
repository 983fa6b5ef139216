import type { OAuthClient, OAuthClientAuthMethod, OAuthServerOptions } from './types.js';

/*
 * Internal: the simulated OAuth server's checked options, with the URLs and client
 * tables derived from them once.
 */

const AUTH_METHODS: readonly OAuthClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];

/** What {@link readConfig} derives from the options; fixed for the server's life. */
export interface OAuthConfig {
  readonly options: OAuthServerOptions;
  /** Without a trailing slash. */
  readonly issuer: string;
  readonly tokenUrl: string;
  readonly jwksUrl: string;
  readonly tokenDelayMs: number;
  readonly now: () => number;
  readonly clients: ReadonlyMap<string, OAuthClient>;
  /** The auth methods each client may use, computed once. */
  readonly allowedMethods: ReadonlyMap<string, readonly OAuthClientAuthMethod[]>;
}

/** Checks `options` (a TypeError naming the bad one) and derives the server's fixed configuration. */
export function readConfig(options: OAuthServerOptions): OAuthConfig {
  if (!options || !Array.isArray(options.clients) || options.clients.length === 0) {
    throw new TypeError('oauthServer(options): "clients" must be a non-empty array of { clientId, … }.');
  }
  const issuer = (options.issuer ?? 'https://auth.example.test').replace(/\/$/, '');
  if (!/^https?:\/\//.test(issuer)) throw new TypeError(`oauthServer(options): "issuer" must be an http(s) URL, got ${JSON.stringify(issuer)}.`);
  const tokenUrl = new URL(options.tokenPath ?? '/oauth/token', `${issuer}/`).href;
  const jwksUrl = new URL('/.well-known/jwks.json', `${issuer}/`).href;
  initialTtl(options);
  const tokenDelayMs = options.tokenDelayMs ?? 0;
  if (typeof tokenDelayMs !== 'number' || !Number.isFinite(tokenDelayMs) || tokenDelayMs < 0) {
    throw new TypeError(`oauthServer(options): "tokenDelayMs" must be a finite number >= 0, got ${String(tokenDelayMs)}.`);
  }
  const now = options.now ?? (() => Date.now());
  const clients = new Map<string, OAuthClient>();
  const allowedMethods = new Map<string, readonly OAuthClientAuthMethod[]>();
  for (const client of options.clients) {
    if (typeof client?.clientId !== 'string' || client.clientId === '') throw new TypeError('oauthServer(options): every client needs a non-empty "clientId".');
    clients.set(client.clientId, client);
    allowedMethods.set(client.clientId, authMethodsOf(client));
  }
  return { options, issuer, tokenUrl, jwksUrl, tokenDelayMs, now, clients, allowedMethods };
}

/** The access-token lifetime the options ask for (the default 3600 s), checked. */
export function initialTtl(options: OAuthServerOptions): number {
  return positive(options.ttlSeconds ?? 3600, 'ttlSeconds');
}

/** `value` when it is a finite number > 0, else a TypeError naming `what`. */
export function positive(value: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`oauthServer: "${what}" must be a number > 0, got ${String(value)}.`);
  return value;
}

/** The auth methods a client may use: its `authMethods` (validated), or every one it has material for. */
function authMethodsOf(client: OAuthClient): readonly OAuthClientAuthMethod[] {
  if (client.authMethods !== undefined) {
    const methods: unknown = client.authMethods;
    if (!Array.isArray(methods) || methods.some((m) => !AUTH_METHODS.includes(m))) {
      throw new TypeError(
        `oauthServer(options): client ${JSON.stringify(client.clientId)} "authMethods" must be an array of ${AUTH_METHODS.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(methods)}.`,
      );
    }
    return [...client.authMethods];
  }
  const methods: OAuthClientAuthMethod[] = [];
  if (client.clientSecret !== undefined) methods.push('client_secret_basic', 'client_secret_post');
  if (client.publicKey !== undefined) methods.push('private_key_jwt');
  if (methods.length === 0) methods.push('none');
  return methods;
}
