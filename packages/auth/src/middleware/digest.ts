import { addSecrets, checkKeys, type OptionKeys } from '@sluice/core';
import { parseChallenges } from '../token/challenge.js';
import { toHex } from '../util/hex.js';
import { md5Hex } from '../util/md5.js';
import { type AuthMiddleware, type AuthMiddlewareOptions, createAuthMiddleware, type RecoverVerdict } from './auth-middleware.js';
import { AUTH_KEYS } from './option-keys.js';

/**
 * Options of {@link digest}: which origins get the credentials, and (for tests) how the
 * client nonce is made.
 *
 * @example
 * ```ts
 * const options: DigestOptions = { origins: ['https://device.example.com'] };
 * ```
 */
export interface DigestOptions extends AuthMiddlewareOptions {
  /** Makes the client nonce (`cnonce`) of each request. Default: 16 random bytes as hex. */
  cnonce?: (() => string) | undefined;
}

type Algorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';
const ALGORITHMS: Record<string, Algorithm> = { md5: 'MD5', 'md5-sess': 'MD5-sess', 'sha-256': 'SHA-256', 'sha-256-sess': 'SHA-256-sess' };

/** The challenge of one origin, and how many requests used its nonce. */
interface Session {
  realm: string;
  nonce: string;
  opaque: string | undefined;
  algorithm: Algorithm;
  qop: 'auth' | undefined;
  userhash: boolean;
  nc: number;
}

/**
 * HTTP Digest access authentication (RFC 7616, and RFC 2617 servers), for in-scope origins.
 *
 * - The first request to an origin goes without credentials; its 401's `WWW-Authenticate:
 *   Digest …` challenge (`MD5`, `MD5-sess`, `SHA-256`, `SHA-256-sess`; `qop="auth"` or
 *   none) is cached per origin, and the request is replayed once with the response.
 * - Later requests to that origin send credentials at once, counting `nc` per nonce; a
 *   401 (`stale=true`, or a new nonce) refreshes the challenge and replays once.
 * - A 401 on the replay is an `UnauthorizedError`. So is a 401 with no Digest challenge
 *   (or only `qop="auth-int"`), and a first 401 for a one-shot streamed body (pass
 *   `bodyFactory`, or send a cheap request first so credentials go pre-emptively).
 * - The password and every `Authorization` value go into `context.state.secrets`.
 *
 * MD5 comes from a small built-in implementation (WebCrypto has none), SHA-256 from
 * `crypto.subtle`; it runs in browsers and Node alike.
 *
 * @example
 * ```ts
 * const auth = digest('Mufasa', 'Circle of Life', { origins: ['https://device.example.com'] });
 * const pipeline = compose([auth]);
 * await pipeline('https://device.example.com/dir/index.html');
 * ```
 */
export function digest(username: string, password: string, options: DigestOptions = {}): AuthMiddleware {
  if (typeof username !== 'string') throw new TypeError(`digest(username, password): username must be a string, got ${typeof username}.`);
  if (typeof password !== 'string') throw new TypeError(`digest(username, password): password must be a string, got ${typeof password}.`);
  if (options === null || typeof options !== 'object') throw new TypeError('digest(username, password, options): options must be an object.');
  checkKeys('digest(username, password, options)', options, DIGEST_KEYS);
  if (options.cnonce !== undefined && typeof options.cnonce !== 'function') {
    throw new TypeError(`digest: "cnonce" must be a function returning a string, got ${typeof options.cnonce}.`);
  }
  const makeCnonce = options.cnonce ?? randomHex;
  const sessions = new Map<string, Session>();
  return createAuthMiddleware(
    {
      recoveredBy: 'a digest challenge',
      // Each request's Authorization differs (nonce count, cnonce); the user is the credential.
      credentialIdentity: () => `digest:${username}:${password}`,
      async attach({ headers, url }, context) {
        addSecrets(context, password);
        const session = sessions.get(url.origin);
        // Until the origin has challenged, send no Authorization at all (not a client-level one).
        if (!session) {
          headers.delete('authorization');
          return undefined;
        }
        session.nc += 1;
        const { value, response } = await authorization(session, session.nc, username, password, context.method, url, makeCnonce());
        addSecrets(context, value, response);
        headers.set('authorization', value);
        return session;
      },
      async recover(response, attached, context): Promise<RecoverVerdict> {
        const parsed = pickChallenge(response.headers.get('www-authenticate'));
        if (typeof parsed === 'string') return { action: 'fail', note: parsed };
        const origin = new URL(response.url || context.url).origin;
        const stale = parsed.stale && attached !== undefined;
        sessions.set(origin, parsed.session);
        if (!context.replayable) {
          return {
            action: 'fail',
            note: `not replayed with Digest credentials: its body is a one-shot stream; pass a "bodyFactory" option to make it replayable${stale ? ' (the nonce was stale)' : ''}`,
          };
        }
        return { action: 'replay' };
      },
    },
    options,
  );
}

/** The `Authorization` header value for one request, and its `response` hash. */
async function authorization(
  session: Session,
  nc: number,
  username: string,
  password: string,
  method: string,
  url: URL,
  cnonce: string,
): Promise<{ value: string; response: string }> {
  const hash = session.algorithm.startsWith('SHA-256') ? sha256Hex : async (text: string) => md5Hex(text);
  const uri = `${url.pathname}${url.search}`;
  const ncValue = nc.toString(16).padStart(8, '0');
  let ha1 = await hash(`${username}:${session.realm}:${password}`);
  if (session.algorithm.endsWith('-sess')) ha1 = await hash(`${ha1}:${session.nonce}:${cnonce}`);
  const ha2 = await hash(`${method}:${uri}`);
  const response = session.qop
    ? await hash(`${ha1}:${session.nonce}:${ncValue}:${cnonce}:${session.qop}:${ha2}`)
    : await hash(`${ha1}:${session.nonce}:${ha2}`);
  const parts: string[] = [];
  if (session.userhash) parts.push(`username=${quote(await hash(`${username}:${session.realm}`))}`);
  else if (/^[\x20-\x7e]*$/.test(username)) parts.push(`username=${quote(username)}`);
  else parts.push(`username*=UTF-8''${encodeURIComponent(username).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`);
  parts.push(`realm=${quote(session.realm)}`, `nonce=${quote(session.nonce)}`, `uri=${quote(uri)}`, `algorithm=${session.algorithm}`, `response=${quote(response)}`);
  if (session.opaque !== undefined) parts.push(`opaque=${quote(session.opaque)}`);
  if (session.qop) parts.push(`qop=${session.qop}`, `nc=${ncValue}`, `cnonce=${quote(cnonce)}`);
  if (session.userhash) parts.push('userhash=true');
  return { value: `Digest ${parts.join(', ')}`, response };
}

/**
 * The best usable Digest challenge in a `WWW-Authenticate` value (SHA-256 before MD5),
 * or a note saying why there is none.
 */
function pickChallenge(header: string | null): { session: Session; stale: boolean } | string {
  const challenges = parseChallenges(header ?? '');
  const offers = challenges.filter((c) => c.scheme === 'digest');
  if (offers.length === 0) {
    const schemes = challenges.map((c) => c.scheme).join(', ');
    return `the server did not offer Digest authentication (WWW-Authenticate: ${schemes === '' ? 'none' : schemes})`;
  }
  let why = '';
  const usable: { session: Session; stale: boolean }[] = [];
  for (const { params } of offers) {
    const realm = params.get('realm');
    const nonce = params.get('nonce');
    const algorithm = ALGORITHMS[(params.get('algorithm') ?? 'MD5').toLowerCase()];
    const qops = params.get('qop')?.split(',').map((q) => q.trim().toLowerCase());
    if (realm === undefined || nonce === undefined) why = 'its Digest challenge has no realm or nonce';
    else if (algorithm === undefined) why = `its Digest algorithm ${JSON.stringify(params.get('algorithm'))} is not supported (MD5, MD5-sess, SHA-256, SHA-256-sess are)`;
    else if (qops !== undefined && !qops.includes('auth')) why = `its Digest qop ${JSON.stringify(params.get('qop'))} is not supported (only "auth" is)`;
    else {
      usable.push({
        session: { realm, nonce, opaque: params.get('opaque'), algorithm, qop: qops ? 'auth' : undefined, userhash: params.get('userhash')?.toLowerCase() === 'true', nc: 0 },
        stale: params.get('stale')?.toLowerCase() === 'true',
      });
    }
  }
  usable.sort((a, b) => Number(b.session.algorithm.startsWith('SHA')) - Number(a.session.algorithm.startsWith('SHA')));
  return usable[0] ?? `the server's Digest challenge cannot be answered: ${why}`;
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

async function sha256Hex(text: string): Promise<string> {
  const digestBytes = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return toHex(digestBytes);
}

function randomHex(): string {
  return toHex(globalThis.crypto.getRandomValues(new Uint8Array(16)));
}

// Object.assign, not a spread: a pure-annotated call is dropped from an app that never uses it (a spread is not).
const DIGEST_KEYS: OptionKeys<DigestOptions> = /* @__PURE__ */ Object.assign({}, AUTH_KEYS, { cnonce: true } as const);
