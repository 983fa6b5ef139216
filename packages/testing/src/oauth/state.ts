import type { CryptoKey } from 'jose';
import { generateKeyPair } from 'jose';
import { initialTtl, type OAuthConfig } from './config.js';
import type { OAuthServerStats } from './types.js';

/*
 * Internal: everything the simulated OAuth server changes while it runs, in one object
 * that its pieces (client authentication, the token endpoint, token checks) share.
 */

/** A refresh token the server honours. */
export interface RefreshEntry {
  clientId: string;
  scope: string | undefined;
  used: boolean;
}

/** The next token calls that fail, and how. */
export interface Failures {
  count: number;
  status: number;
  body: unknown;
}

/** The server's configuration plus its mutable state. */
export interface OAuthSim extends OAuthConfig {
  /** The lifetime of tokens issued from now on (`setTtl` changes it). */
  ttlSeconds: number;
  readonly stats: OAuthServerStats;
  /** jti of every revoked access token: by `revoke()` or, with `revokeOnIssue`, by a newer token of the same client. */
  readonly revoked: Set<string>;
  /** jti of every client assertion already used (each may be used once). */
  readonly usedAssertions: Set<string>;
  readonly refreshTokens: Map<string, RefreshEntry>;
  failures: Failures;
  /** jti → client id of every access token issued. */
  readonly issuedJtis: Map<string, string>;
  /** The server's signing key pair, generated on first use. */
  signing: Promise<{ privateKey: CryptoKey; publicKey: CryptoKey }> | undefined;
  /** Each client's imported public key, imported on first use. */
  readonly clientKeys: Map<string, Promise<CryptoKey | Uint8Array>>;
}

/** A fresh state over `config`: the refresh tokens given in the options, no failures, no keys yet. */
export function createSim(config: OAuthConfig): OAuthSim {
  const refreshTokens = new Map<string, RefreshEntry>();
  for (const [token, clientId] of Object.entries(config.options.refreshTokens ?? {})) refreshTokens.set(token, { clientId, scope: undefined, used: false });
  return {
    ...config,
    ttlSeconds: initialTtl(config.options),
    stats: { tokenCalls: 0, issued: 0, rejected: 0, accepted: 0 },
    revoked: new Set(),
    usedAssertions: new Set(),
    refreshTokens,
    failures: noFailures(),
    issuedJtis: new Map(),
    signing: undefined,
    clientKeys: new Map(),
  };
}

/** Zeroes the counters and forgets failures, revocations and used assertions; keys, clients and refresh tokens stay. */
export function resetSim(sim: OAuthSim): void {
  Object.assign(sim.stats, { tokenCalls: 0, issued: 0, rejected: 0, accepted: 0 });
  sim.failures = noFailures();
  sim.revoked.clear();
  sim.usedAssertions.clear();
  sim.ttlSeconds = initialTtl(sim.options);
}

/** The server's signing key pair (ES256), generated once. */
export function signingKeys(sim: OAuthSim): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey }> {
  sim.signing ??= generateKeyPair('ES256', { extractable: true });
  return sim.signing;
}

function noFailures(): Failures {
  return { count: 0, status: 500, body: undefined };
}
