/**
 * Cancels the body of a response nobody will read, so that whatever holds it (a socket,
 * a concurrency slot with `release: 'body'`) is freed. Safe on any response: one with no
 * body, a used or locked body is left alone, and a failed cancel is ignored. Not awaited:
 * cancelling one branch of a tee settles only once both branches are done.
 *
 * @example
 * ```ts
 * const response = await next(request);
 * if (response.status === 401) {
 *   discard(response);
 *   return next(await cloneForReplay(original, context, 'replay'));
 * }
 * ```
 */
export function discard(response: Response): void {
  const body = response.body;
  if (body && !response.bodyUsed && !body.locked) body.cancel().catch(() => undefined);
}
