/*
 * Internal: with `release: 'body'`, the concurrency slot is held until the body is done.
 */

/** Statuses whose responses never carry a body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Returns a response whose body frees the slot once it is read to the end, errors, is
 * cancelled, or the signal aborts. A response without a body is returned as is.
 */
export function holdUntilBodyDone(response: Response, signal: AbortSignal, free: () => void): Response {
  const body = response.body;
  if (body === null || NULL_BODY_STATUSES.has(response.status)) return response;
  const reader = body.getReader();
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
  const finish = (): void => {
    signal.removeEventListener('abort', onAbort);
    free();
  };
  const onAbort = (): void => {
    finish();
    controllerRef?.error(signal.reason);
    reader.cancel(signal.reason).catch(() => {});
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controllerRef = controller;
      },
      async pull(controller) {
        try {
          const chunk = await reader.read();
          if (chunk.done) {
            finish();
            controller.close();
          } else {
            controller.enqueue(chunk.value);
          }
        } catch (error) {
          finish();
          controller.error(error);
        }
      },
      async cancel(reason) {
        finish();
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const wrapped = new Response(stream, { status: response.status, statusText: response.statusText, headers: response.headers });
  return keepIdentity(wrapped, response);
}

/**
 * Gives `copy` the url, redirect flag and type of `original` (a Response made from a stream
 * has none of them), and a `clone()` that keeps them too: retry's `retryOn` and the
 * caller see the same response either way.
 */
function keepIdentity(copy: Response, original: Response): Response {
  Object.defineProperty(copy, 'url', { value: original.url });
  Object.defineProperty(copy, 'redirected', { value: original.redirected });
  Object.defineProperty(copy, 'type', { value: original.type });
  Object.defineProperty(copy, 'clone', {
    value(this: Response): Response {
      return keepIdentity(Response.prototype.clone.call(this), original);
    },
  });
  return copy;
}
