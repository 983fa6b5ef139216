/**
 * A secret given as a value or a function that returns it (called for every request).
 *
 * @example
 * ```ts
 * const fixed: SecretSource = 'API-XXXX';
 * const rotating: SecretSource = async () => (await vault.read('octopus/api-key')).value;
 * const auth = bearer(rotating, { origins: ['https://api.example.com'] });
 * ```
 */
export type SecretSource = string | (() => string | Promise<string>);

/** Checks a {@link SecretSource} at creation; `what` names it in the `TypeError`. */
export function checkSecret(source: SecretSource, what: string): void {
  if (typeof source === 'function') return;
  if (typeof source !== 'string' || source === '') {
    throw new TypeError(`${what} must be a non-empty string or a function returning one, got ${source === '' ? 'an empty string' : typeof source}.`);
  }
  refuseLineBreaks(source, what);
}

/** Resolves a {@link SecretSource}; an empty or non-string result is a `TypeError` naming `what`. */
export async function readSecret(source: SecretSource, what: string): Promise<string> {
  const value = typeof source === 'function' ? await source() : source;
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${what} returned ${value === '' ? 'an empty string' : typeof value}; expected a non-empty string.`);
  }
  refuseLineBreaks(value, what);
  return value;
}

/**
 * A credential with a CR, LF or NUL would split the header it goes into: it is refused,
 * and the `TypeError` never quotes it.
 */
export function refuseLineBreaks(value: string, what: string): void {
  if (/[\r\n\0]/.test(value)) throw new TypeError(`${what} contains a CR or LF character; refused (the value is not shown).`);
}
