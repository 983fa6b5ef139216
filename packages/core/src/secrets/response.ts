import { guardedTag, tagGuarded } from '../body-guard.js';

/**
 * The secrets of the request a response answered, for code that quotes the response after
 * the pipeline returned it (a body that does not parse, a log line): its URL redacted,
 * free text and errors scrubbed of every secret the request carried (secret query and
 * header values, URL userinfo, credentials auth attached), and its correlation id.
 *
 * @example
 * ```ts
 * const response = await pipeline('https://api.example.com/report');
 * const secrets = secretsOf(response);
 * console.log(secrets?.correlationId, secrets?.text(await response.text()));
 * ```
 */
export interface ResponseSecrets {
  /** The correlation id the request carried, if the correlationId middleware ran. */
  readonly correlationId: string | undefined;
  /** A URL with secret query values and userinfo replaced. */
  url(url: string | URL): string;
  /** A text with every secret of the request replaced by `[REDACTED]`. */
  text(text: string): string;
  /** The error itself when it quotes no secret, else a redacted copy of the same class. */
  error(error: unknown): unknown;
}

/**
 * Where a response keeps its secrets view: a hidden symbol slot on the response itself,
 * not a WeakMap entry per response (weak tables are work for every garbage collection).
 * A response that takes no property (frozen, a proxy that refuses) goes in the WeakMap,
 * and one the errors middleware guarded keeps it in the guard's own slot.
 */
const SECRETS = Symbol('sluice.responseSecrets');
const byResponse = new WeakMap<Response, ResponseSecrets>();
type Tagged = Response & { [SECRETS]?: ResponseSecrets };

/**
 * The secrets of the request that `response` answered, when a Sluice pipeline returned it.
 *
 * @example
 * ```ts
 * const secrets = secretsOf(await pipeline('https://api.example.com/x?token=abc'));
 * secrets?.url('https://api.example.com/x?token=abc'); // 'https://api.example.com/x?token=%5BREDACTED%5D'
 * ```
 */
export function secretsOf(response: Response): ResponseSecrets | undefined {
  return (response as Tagged)[SECRETS] ?? (guardedTag(response) as ResponseSecrets | undefined) ?? byResponse.get(response);
}

/** Records the request's secrets for `response` (compose does, for every response it returns). */
export function tagResponse(response: Response, secrets: ResponseSecrets): Response {
  // A response the errors middleware guards has a hidden slot already: the view goes there.
  if ((response as Tagged)[SECRETS] === undefined && tagGuarded(response, secrets)) return response;
  // One descriptor for every call (not an object per response), emptied again at once.
  SLOT.value = secrets;
  try {
    Object.defineProperty(response, SECRETS, SLOT);
  } catch {
    byResponse.set(response, secrets);
  } finally {
    SLOT.value = undefined;
  }
  return response;
}

/** The descriptor {@link tagResponse} fills: hidden (not enumerable), replaceable by a later tag. */
const SLOT: PropertyDescriptor = { value: undefined, configurable: true };
