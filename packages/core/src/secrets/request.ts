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
  readonly #request: Request;
  #urlBy: Redaction | undefined;
  #url = '';
  #scrubBy: Redaction | undefined;
  #scrub: Scrub | undefined;

  constructor(context: Context, request: Request) {
    this.#context = context;
    this.#request = request;
  }

  get correlationId(): string | undefined {
    return this.#context.correlationId;
  }

  url(url: string | URL): string {
    return this.#context.redaction.url(url);
  }

  /** The request's own URL, redacted: computed once per redaction in force. */
  requestUrl(): string {
    const redaction = this.#context.redaction;
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
    const redaction = context.redaction;
    if (!this.#scrub || this.#scrubBy !== redaction) {
      const request = this.#request;
      this.#scrubBy = redaction;
      this.#scrub = createScrub(redaction, {
        url: context.url,
        headers: () => secretHeaders(request.headers, redaction),
        secrets: () => context.state.secrets,
      });
    }
    return this.#scrub;
  }
}
