import { memoryStore, type Token, type TokenStore } from '@sluice/auth';
import { checkClient, type RedisClientLike } from './client.js';
import { GARBAGE, RedisLink } from './link.js';
import { checkRedisKeys, type RedisSharedOptions, SHARED_KEYS } from './options.js';

/**
 * Options of {@link redisTokenStore}.
 *
 * @example
 * ```ts
 * const options: RedisTokenStoreOptions = { prefix: 'billing:', timeoutMs: 50 };
 * ```
 */
export interface RedisTokenStoreOptions extends RedisSharedOptions {}

/**
 * A `TokenStore` for `tokenAuth` kept in Redis, so that every process (worker, pod, queue
 * consumer) uses the same token. Each token is a JSON string under `<prefix>token:<key>`
 * with a TTL equal to its remaining lifetime (`expiresAt - now`); a token with no known
 * expiry has no TTL, one already expired is not written.
 *
 * Every call is bounded (`timeoutMs`, default 50 ms). The store also keeps the tokens it
 * saw in memory: when Redis fails, is slow or holds something that is not a token, it
 * answers from memory (what a single process would do) and `onEvent` hears one
 * `redis:degraded`, then one `redis:recovered`. While Redis answers, Redis is the truth.
 *
 * Pair it with {@link redisTokenLock} so that one process refreshes for all of them.
 *
 * @example
 * ```ts
 * import { clientCredentials, tokenAuth } from '@sluice/auth';
 * import { redisTokenLock, redisTokenStore } from '@sluice/redis';
 * import { createClient } from 'redis';
 *
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
 * const auth = tokenAuth(
 *   clientCredentials({ tokenUrl: 'https://auth.example.com/oauth/token', clientId: 'svc', clientSecret: 's3cret' }),
 *   { store: redisTokenStore(redis), lock: redisTokenLock(redis), origins: ['https://api.example.com'] },
 * );
 * ```
 */
export function redisTokenStore(redis: RedisClientLike, options: RedisTokenStoreOptions = {}): TokenStore {
  checkClient(redis, 'redisTokenStore(redis)');
  checkRedisKeys('redisTokenStore(redis, options)', options, SHARED_KEYS);
  const link = new RedisLink(redis, options, 'redisTokenStore');
  const local = memoryStore();
  const keyOf = (key: string) => link.key('token', key);
  return {
    async get(key) {
      const outcome = await link.run('token-store.get', ['GET', keyOf(key)], parseToken);
      if (!outcome.ok) return local.get(key);
      if (outcome.value) local.set(key, outcome.value);
      else local.delete(key);
      return outcome.value;
    },
    async set(key, token) {
      local.set(key, token);
      const ttl = token.expiresAt === undefined ? undefined : Math.ceil(token.expiresAt - Date.now());
      if (ttl !== undefined && ttl <= 0) {
        await link.run('token-store.set', ['DEL', keyOf(key)], parseAny);
        return;
      }
      const args = ['SET', keyOf(key), JSON.stringify(token)];
      if (ttl !== undefined) args.push('PX', String(ttl));
      await link.run('token-store.set', args, parseOk);
    },
    async delete(key) {
      local.delete(key);
      await link.run('token-store.delete', ['DEL', keyOf(key)], parseAny);
    },
  };
}

/** A stored token, `undefined` for a missing key, {@link GARBAGE} for anything else. */
export function parseToken(reply: unknown): Token | undefined | typeof GARBAGE {
  if (reply === null || reply === undefined) return undefined;
  if (typeof reply !== 'string') return GARBAGE;
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply);
  } catch {
    return GARBAGE;
  }
  if (!parsed || typeof parsed !== 'object') return GARBAGE;
  const token = parsed as Partial<Token>;
  if (typeof token.accessToken !== 'string' || token.accessToken === '') return GARBAGE;
  if (token.expiresAt !== undefined && (typeof token.expiresAt !== 'number' || !Number.isFinite(token.expiresAt))) return GARBAGE;
  if (token.refreshToken !== undefined && typeof token.refreshToken !== 'string') return GARBAGE;
  if (token.tokenType !== undefined && typeof token.tokenType !== 'string') return GARBAGE;
  return token as Token;
}

function parseOk(reply: unknown): true | typeof GARBAGE {
  return reply === 'OK' ? true : GARBAGE;
}

function parseAny(reply: unknown): unknown {
  return typeof reply === 'number' ? reply : GARBAGE;
}
