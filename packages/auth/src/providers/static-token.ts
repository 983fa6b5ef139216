import { normalizeToken, type Token, type TokenProvider } from '../token/token.js';

/**
 * A token you bring (BYO_TOKEN in Sequoia's client SDK): used as is for the life of the
 * client and never refreshed, so a 401 is an `UnauthorizedError`.
 *
 * @example
 * ```ts
 * const auth = tokenAuth(staticToken(process.env.API_TOKEN ?? ''), { origins: ['https://api.example.com'] });
 * ```
 */
export function staticToken(token: string | Token): TokenProvider {
  if (typeof token === 'string' ? token === '' : typeof token?.accessToken !== 'string' || token.accessToken === '') {
    throw new TypeError('staticToken(token): token must be a non-empty string or { accessToken: string }.');
  }
  const value = normalizeToken(typeof token === 'string' ? { accessToken: token } : token);
  return { getToken: () => value };
}
