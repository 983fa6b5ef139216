import type { Context } from './types/index.js';
import { NotReplayableError } from './refusal-errors.js';

/**
 * Whether `request` can be sent again: it has no body, or its body is not a one-shot
 * stream, or the request has a `bodyFactory`.
 *
 * @example
 * ```ts
 * if (!canReplay(request, context)) return next(request); // send once, never again
 * ```
 */
export function canReplay(request: Request, context: Context): boolean {
  return request.body === null || context.replayable;
}

/**
 * Makes the fresh request for one more call of `next` (a retry or a 401 replay), leaving
 * `request` untouched for later replays. A stream body with no `bodyFactory` cannot be
 * replayed: this throws {@link NotReplayableError}, naming `purpose`.
 *
 * @example
 * ```ts
 * const response = await next(await cloneForReplay(original, context, 'retry'));
 * ```
 */
export async function cloneForReplay(request: Request, context: Context, purpose: string): Promise<Request> {
  const factory = context.options.bodyFactory;
  if (factory && request.body !== null) {
    const body = await factory();
    return new Request(request, { body, duplex: 'half' } as RequestInit);
  }
  if (!canReplay(request, context)) {
    throw new NotReplayableError(
      `Cannot ${purpose} ${request.method} ${context.redaction.url(request.url)}: its body is a one-shot stream. Pass a "bodyFactory" option to make it replayable.`,
      { correlationId: context.correlationId },
    );
  }
  if (request.bodyUsed) {
    throw new NotReplayableError(
      `Cannot ${purpose} ${request.method} ${context.redaction.url(request.url)}: its body was already consumed; replay from the original request.`,
      { correlationId: context.correlationId },
    );
  }
  return request.clone();
}
