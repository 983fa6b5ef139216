import type { Context } from './types/index.js';

/*
 * How the middlewares that share responses (dedupe, cache) learn whose credentials a
 * request carries. They sit outside auth, so the credential does not exist yet when they
 * key the request: auth announces itself on every request it handles, the sharing
 * middleware remembers the auth of its chain, and asks it for the identity of the next
 * request's credential before sending it.
 */

/**
 * What an auth middleware tells the middlewares outside it: the identity of the credential
 * it would attach to a request. `''` means none; `undefined` means it cannot tell (the
 * request is then never shared). The identity is a digest, never the secret itself.
 *
 * @example
 * ```ts
 * const source: CredentialSource = { credentialIdentity: async () => '' }; // sends no credentials
 * ```
 */
export interface CredentialSource {
  /** The identity of the credential this auth would attach to `request` now (called in the caller's async context). */
  credentialIdentity(request: Request, context: Context): Promise<string | undefined>;
}

const announced = new WeakMap<Context, CredentialSource>();
const listeners = new WeakMap<Context, (source: CredentialSource) => void>();
/**
 * Whether any {@link CredentialWatch} exists: only a watch reads what auth announces, and
 * it exists before any request it reads about, so until then an announcement is not
 * recorded (no weak-table entry per request, which is work for every garbage collection).
 */
let watching = false;

/**
 * Called by an auth middleware at the start of every request it handles, so that dedupe
 * and cache outside it learn which auth their chain has.
 *
 * @example
 * ```ts
 * const auth: Middleware = { name: 'auth', handle(request, context, next) { announceCredentialSource(context, source); return next(request); } };
 * ```
 */
export function announceCredentialSource(context: Context, source: CredentialSource): void {
  if (!watching) return;
  announced.set(context, source);
  listeners.get(context)?.(source);
}

/**
 * The identity a request has when no credential is sent.
 *
 * @example
 * ```ts
 * const none: CredentialSource = { credentialIdentity: async () => NO_CREDENTIAL };
 * ```
 */
export const NO_CREDENTIAL = '';

/**
 * What {@link CredentialWatch.identity} returns before the chain's auth is known.
 *
 * @example
 * ```ts
 * const identity = await watch.identity(request, context);
 * if (identity === UNLEARNED) return next(request); // send it, and learn the auth from it
 * ```
 */
export const UNLEARNED: unique symbol = Symbol('credential source not learned yet');

/**
 * One sharing middleware's knowledge of its chain's auth: none seen yet, none in the chain
 * (a request came back without meeting one), one auth, or several (the middleware is used
 * in more than one chain: then requests without a per-request `auth` are never shared).
 * For middlewares that share responses, as dedupe and `@sluice/cache` do.
 *
 * @example
 * ```ts
 * const watch = new CredentialWatch();
 * const sharing: Middleware = {
 *   name: 'sharing',
 *   async handle(request, context, next) {
 *     const identity = await watch.identity(request, context); // a string: safe to key by
 *     const response = await next(request);
 *     watch.learn(context, true);
 *     return response;
 *   },
 * };
 * ```
 */
export class CredentialWatch {
  #source: CredentialSource | null | undefined = undefined;
  #several = false;

  constructor() {
    watching = true;
  }

  /**
   * The credential identity of `request`: from its per-request `auth` when it has one, else
   * from the chain's auth; `undefined` when it cannot be told; {@link UNLEARNED} before the
   * chain's auth is known.
   */
  async identity(request: Request, context: Context): Promise<string | undefined | typeof UNLEARNED> {
    const override = (context.options as { auth?: unknown }).auth;
    if (override === false || context.options.skip?.includes('auth')) return NO_CREDENTIAL;
    if (override !== undefined) return isSource(override) ? override.credentialIdentity(request, context) : undefined;
    if (this.#several) return undefined;
    if (this.#source === undefined) return UNLEARNED;
    return this.#source === null ? NO_CREDENTIAL : this.#source.credentialIdentity(request, context);
  }

  /** After a request came back: remember the auth it met, or that a response came without one. */
  learn(context: Context, answered: boolean): void {
    const source = announced.get(context);
    if (source) this.#add(source);
    // No auth met and yet a response: the chain has none (an auth seen later still wins).
    else if (answered && this.#source === undefined) this.#source = null;
  }

  /** Calls `listener` (in the caller's async context) when an auth announces itself on `context`. */
  watch(context: Context, listener: (source: CredentialSource) => void): void {
    listeners.set(context, (source) => {
      this.#add(source);
      listener(source);
    });
  }

  /** A request answered without going down the chain passes on what `from` met, for middlewares further out. */
  vouch(context: Context, from: Context | undefined): void {
    const source = from ? announced.get(from) : this.#source;
    if (source) announced.set(context, source);
  }

  #add(source: CredentialSource): void {
    if (this.#source && this.#source !== source) this.#several = true;
    this.#source = source;
  }
}

function isSource(value: unknown): value is CredentialSource {
  return typeof (value as Partial<CredentialSource> | null)?.credentialIdentity === 'function';
}
