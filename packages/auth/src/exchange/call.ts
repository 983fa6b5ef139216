import type { Context, Next } from '@sluice/core';
import type { AuthEnv, AuthScheme } from '../scheme.js';

/** One request an auth middleware handles: the scheme in force, where it may send credentials, and the chain. */
export interface AuthCall {
  readonly scheme: AuthScheme;
  /** The origins that get credentials. */
  readonly scope: ReadonlySet<string>;
  readonly env: AuthEnv;
  /** The origin of the request: redirects get credentials again only back on it. */
  readonly home: string;
  readonly request: Request;
  readonly context: Context;
  readonly next: Next;
}

/** What one credentialed send came back with. */
export interface Exchange {
  response: Response;
  /** What the scheme's `attach` returned for the last hop (its recover gets it). */
  attached: unknown;
  /** Whether the last hop carried credentials (a cross-origin hop does not). */
  credentialed: boolean;
}
