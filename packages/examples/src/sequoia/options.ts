import type { FetchLike, SluiceEvent } from '@sluice/core';
import type { SluiceClient } from 'sluice';
import type { BackoffStrategy } from './backoff-strategy.js';
import type { Endpoint } from './endpoint.js';

/*
 * The Sequoia client's options and public shape (./client.ts re-exports them).
 */

/**
 * How the client authenticates (the SDK's `auth_type`).
 *
 * @example
 * ```ts
 * const auth: SequoiaAuth = { type: 'CLIENT_GRANT', clientId: 'id', clientSecret: 'secret' };
 * ```
 */
export type SequoiaAuth =
  | {
      type: 'CLIENT_GRANT';
      clientId: string;
      clientSecret: string;
      /** A token to use until it expires; then the client grant takes over. */
      byoToken?: string;
      /** Default: `{identity service}/oauth/token` from the registry. */
      tokenUrl?: string;
    }
  | { type: 'BYO_TOKEN'; token: string }
  | { type: 'NO_AUTH' }
  | {
      /** Two-way TLS (Node only): the client certificate is the credential; no token is sent. */
      type: 'MUTUAL';
      /** Path of the client certificate (PEM). */
      clientCert: string;
      /** Path of the client's private key (PEM). */
      clientKey: string;
      /** Path of the server certificate or CA (PEM) to trust. */
      serverCert: string;
    };

/**
 * The SDK's default content type, sent as `Content-Type` and `Accept`.
 *
 * @example
 * ```ts
 * const client = await connectSequoia({
 *   registryUrl: 'https://registry.example.com/services/demo',
 *   auth: { type: 'NO_AUTH' },
 *   contentType: SEQUOIA_CONTENT_TYPE, // the default; 'application/json' also works
 * });
 * ```
 */
export const SEQUOIA_CONTENT_TYPE = 'application/vnd.piksel+json';

/**
 * Options of {@link connectSequoia}.
 *
 * @example
 * ```ts
 * const options: SequoiaClientOptions = {
 *   registryUrl: 'https://registry.example.com/services/demo',
 *   auth: { type: 'NO_AUTH' },
 *   resources: { metadata: ['contents', 'assets'] },
 * };
 * ```
 */
export interface SequoiaClientOptions<R extends SequoiaResources = SequoiaResources> {
  /** The registry URL, e.g. `https://registry-sandbox.example.com/services/testmock`. */
  registryUrl: string;
  auth: SequoiaAuth;
  /** The endpoints to expose, by service: `{ metadata: ['contents'] }` gives `client.metadata.contents`. */
  resources?: R;
  /** `Content-Type` and `Accept` of every request. Default {@link SEQUOIA_CONTENT_TYPE}. */
  contentType?: string;
  /** A fixed correlation id for every request; wins over `userId` / `applicationId`. */
  correlationId?: string;
  /** With `applicationId`: ids are `userId/applicationId/uuid`, one per operation. */
  userId?: string;
  applicationId?: string;
  /** The client's backoff strategy. Default {@link DEFAULT_BACKOFF_STRATEGY}. */
  backoffStrategy?: BackoffStrategy;
  /** The registry's name of the identity service (CLIENT_GRANT's token URL). Default `'identity'`. */
  identityService?: string;
  fetch?: FetchLike;
  onEvent?: (event: SluiceEvent) => void;
}

/**
 * Services and their resources: `{ metadata: ['contents', 'assets'] }`.
 *
 * @example
 * ```ts
 * const resources = { metadata: ['contents', 'assets'], workflow: ['profiles'] } as const satisfies SequoiaResources;
 * ```
 */
export type SequoiaResources = Readonly<Record<string, readonly string[]>>;

/**
 * The endpoints typed from {@link SequoiaResources}.
 *
 * @example
 * ```ts
 * type Services = SequoiaServices<{ metadata: ['contents', 'assets'] }>;
 * // { readonly metadata: { readonly contents: Endpoint; readonly assets: Endpoint } }
 * ```
 */
export type SequoiaServices<R extends SequoiaResources> = { readonly [S in keyof R]: { readonly [E in R[S][number]]: Endpoint } };

/**
 * A Sequoia client: the endpoints of `resources` as properties, plus lookup by name.
 *
 * @example
 * ```ts
 * const contents = (client: SequoiaClient) => client.endpoint('metadata', 'contents');
 * ```
 */
export interface SequoiaClientBase {
  /** Service name → base URL, from the registry. */
  readonly services: ReadonlyMap<string, string>;
  /** The Sluice client underneath. */
  readonly http: SluiceClient;
  /** The endpoint of `resource` on `service`; a {@link SequoiaError} names the known services when `service` is unknown. */
  endpoint(service: string, resource: string): Endpoint;
  /** Closes what the client opened itself (MUTUAL's TLS agent); a no-op otherwise. A `fetch` you passed stays yours to close. */
  close(): Promise<void>;
}

/**
 * A client from {@link connectSequoia}: {@link SequoiaClientBase} plus the endpoints of its `resources`.
 *
 * @example
 * ```ts
 * const client: SequoiaClient<{ metadata: readonly ['contents'] }> = await connectSequoia({
 *   registryUrl: 'https://registry.example.com/services/demo',
 *   auth: { type: 'BYO_TOKEN', token: 'access-token' },
 *   resources: { metadata: ['contents'] },
 * });
 * const page = await client.metadata.contents.read('demo', 'demo:c1');
 * ```
 */
export type SequoiaClient<R extends SequoiaResources = Record<never, never>> = SequoiaClientBase & SequoiaServices<R>;
