/**
 * Failures that fail the same way on every attempt: fetch refuses the request before any
 * network traffic (a blocked port, an unsupported scheme, an invalid URL), or the
 * redirects themselves are the problem (too many, or `redirect: 'error'` meeting one).
 * undici reports them all as `TypeError: fetch failed` with the reason in `cause`.
 */
const REASONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^bad port$/i, 'fetch blocks this port (a "bad port" under the Fetch standard)'],
  [/^unknown scheme$|^not implemented\.\.\. yet\.\.\.$|^URL scheme "[^"]*" is not supported/i, 'fetch does not support the URL scheme'],
  [/redirect count exceeded/i, 'too many redirects (fetch follows at most 20)'],
  [/^unexpected redirect$/i, `the server redirected and the request has redirect: 'error'`],
  [/^invalid url$|^failed to parse url/i, 'the URL is invalid'],
];

/**
 * Why `error` is a failure that no retry can fix, or `undefined` when it may be
 * transient. Reads the error and its `cause` chain (undici's reasons, Node's
 * `ERR_INVALID_URL`). Internal: the retry and errors middlewares use it.
 *
 * @example
 * ```ts
 * deterministicFailure(new TypeError('fetch failed', { cause: new Error('bad port') })); // 'fetch blocks this port …'
 * ```
 */
export function deterministicFailure(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.name === 'AbortError' || current.name === 'TimeoutError') return undefined;
    if ((current as { code?: unknown }).code === 'ERR_INVALID_URL') return 'the URL is invalid';
    for (const [pattern, reason] of REASONS) if (pattern.test(current.message)) return reason;
    current = current.cause;
  }
  return undefined;
}
