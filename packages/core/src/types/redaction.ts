/**
 * Redacts secrets from URLs, headers and free text.
 *
 * @example
 * ```ts
 * const redaction = createRedaction(['x-octopus-apikey']);
 * redaction.url('https://api.example.com/x?token=abc'); // 'https://api.example.com/x?token=%5BREDACTED%5D'
 * ```
 */
export interface Redaction {
  /** Lower-cased names of secret headers and query parameters. */
  readonly names: ReadonlySet<string>;
  /**
   * The URL with secret query values and its whole userinfo (user name and password, which
   * are each often a secret on their own) replaced: `https://[REDACTED]@host`, serialised as
   * `https://%5BREDACTED%5D@host`.
   */
  url(url: string | URL): string;
  /** A plain object of the headers with secret values replaced. */
  headers(headers: Headers | Iterable<[string, string]> | Record<string, string>): Record<string, string>;
  /** Replaces every occurrence of the given secret values in a text. */
  text(text: string, secrets: Iterable<string>): string;
}
