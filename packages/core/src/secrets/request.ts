import type { Context } from '../types/index.js';
import type { Redaction } from './redaction.js';
import type { ResponseSecrets } from './response.js';
import { createScrub, type Scrub, scrubError, secretHeaders } from './scrub.js';

/**
 * The secrets of one request, read lazily from its context: the redaction in force
 * (`context.redaction`, which the errors and auth middlewares install or widen), the
 * values middlewares attach (`context.state.secrets`) and the request's own secret
 * headers. Compose makes one per request, on first use; the events of the request and
 * {@link secretsOf} its response read the same object. Nothing is computed until an
 * event or an error path asks: the redacted URL and the scrubber are cached for the
 * redaction in force and rebuilt when auth installs a wider one.
 */
export class RequestSecrets implements ResponseSecrets {
  readonly #context: Context;
  readonly #request: Request | undefined;
  readonly #redaction: Redaction | undefined;
  #urlBy: Redaction | undefined;
  #url = '';
  #scrubBy: Redaction | undefined;
  #scrub: Scrub | undefined;

  /**
   * `request` is the one whose URL and secret headers count (none: the context's URL and
   * no headers); `redaction` fixes the names (none: the redaction in force on the context).
   */
  constructor(context: Context, request?: Request, redaction?: Redaction) {
    this.#context = context;
    this.#request = request;
    this.#redaction = redaction;
  }

  /** The redaction these secrets are read by. */
  get redaction(): Redaction {
    return this.#redaction ?? this.#context.redaction;
  }

  get correlationId(): string | undefined {
    return this.#context.correlationId;
  }

  url(url: string | URL): string {
    return this.redaction.url(url);
  }

  /** The request's own URL, redacted: computed once per redaction in force. */
  requestUrl(): string {
    const redaction = this.redaction;
    if (this.#urlBy !== redaction) {
      this.#urlBy = redaction;
      this.#url = redaction.url(this.#context.url);
    }
    return this.#url;
  }

  text(text: string): string {
    return this.scrub()(text);
  }

  error(error: unknown): unknown {
    return scrubError(error, this.scrub());
  }

  /** The request's scrubber for the redaction in force (built on first use). */
  scrub(): Scrub {
    const context = this.#context;
    const redaction = this.redaction;
    if (!this.#scrub || this.#scrubBy !== redaction) {
      const request = this.#request;
      this.#scrubBy = redaction;
      this.#scrub = createScrub(redaction, {
        url: request?.url ?? context.url,
        headers: () => (request ? secretHeaders(request.headers, redaction) : []),
        secrets: () => context.state.secrets,
      });
    }
    return this.#scrub;
  }
}
