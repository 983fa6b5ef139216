import { createRedaction, type Redaction, REDACTED, ResponseParseError, secretsOf } from '@sluice/core';
import type { ResponsePromise } from 'ky';

/*
 * Internal: how a client call fails without quoting a secret of its request.
 */

/** A `.json()` that failed, quoted without any secret of the request (the body may echo one). */
export function parseError(error: unknown, request: Request, response: Response): ResponseParseError {
  const secrets = secretsOf(response);
  const type = response.headers.get('content-type') ?? 'no content-type';
  const url = (secrets ?? untaggedRedaction()).url(response.url || request.url);
  const message = `Cannot parse the body of ${request.method} ${url} (${response.status}, ${type}) as JSON: ${(error as Error).message}`;
  return new ResponseParseError(secrets ? secrets.text(message) : message, {
    cause: secrets ? secrets.error(error) : error,
    correlationId: secrets?.correlationId,
  });
}

/**
 * Refuses a header value with a CR, LF or NUL before ky builds the request: the standard
 * `TypeError` would quote the value, a credential perhaps.
 */
export function refuseLineBreaks(headers: HeadersInit | Record<string, string | undefined> | undefined): void {
  if (headers == null || headers instanceof Headers) return;
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers);
  for (const [name, value] of pairs as Iterable<[string, unknown]>) {
    if (typeof value === 'string' && /[\r\n\0]/.test(value)) {
      throw new TypeError(`The "${name}" header value contains a CR or LF character; refused (the value is not shown).`);
    }
  }
}

/** A ky response promise that rejects with `error`, body shortcuts included. */
export function rejectedResponse<T>(error: unknown): ResponsePromise<T> {
  const promise = Promise.reject(error) as ResponsePromise<T>;
  promise.catch(() => undefined); // the caller's own handlers see the rejection; no unhandled one
  const fail = () => Promise.reject(error);
  for (const name of ['json', 'text', 'arrayBuffer', 'blob', 'formData', 'bytes'] as const) {
    Object.defineProperty(promise, name, { value: fail });
  }
  return promise;
}

let untagged: Redaction | undefined;

/**
 * How a URL is quoted when no request's secrets are known: a request ky could not build
 * (`new Request` quotes the URL), or a response the pipeline did not return (one that an
 * `afterResponse` hook or ky's download progress made). The secret names belong to the
 * errors middleware of the stack; without them, every query value and the userinfo are
 * hidden. Made on first use.
 */
export function untaggedRedaction(): Redaction {
  if (untagged) return untagged;
  const base = createRedaction();
  const hidden = encodeURIComponent(REDACTED);
  untagged = { ...base, url: (url) => base.url(url).replace(/([?&][^=&#]*=)[^&#]*/g, `$1${hidden}`) };
  return untagged;
}
