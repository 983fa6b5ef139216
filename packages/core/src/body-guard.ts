/** Statuses whose responses never carry a body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Returns a response whose body errors with `mapError(error)` instead of the raw error
 * when reading it fails (a connection reset in the middle of the body surfaces from
 * undici as `TypeError: terminated`). Chunks, end and cancellation pass through as they
 * are; `url`, `redirected` and `type` are kept. A response without a body is returned as is.
 * Internal: the errors middleware wraps every body it returns.
 */
export function guardBody(response: Response, mapError: (error: unknown) => unknown): Response {
  const body = response.body;
  if (body === null || NULL_BODY_STATUSES.has(response.status) || response.bodyUsed || body.locked) return response;
  const reader = body.getReader();
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          controller.error(mapError(error));
          return;
        }
        if (chunk.done) controller.close();
        else controller.enqueue(chunk.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  const guarded = new Response(stream, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(guarded, 'url', { value: response.url });
  Object.defineProperty(guarded, 'redirected', { value: response.redirected });
  Object.defineProperty(guarded, 'type', { value: response.type });
  return guarded;
}
