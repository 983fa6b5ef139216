import type { AnnouncedQuota } from '@sluice/core';
import { GARBAGE, type RedisLink } from './link.js';

/**
 * Takes one request from the shared count of an announced quota. Returns -1 when the
 * count is unknown (no announcement yet, or a window passed whose limit is unknown), 0
 * when the request may go, else the ms until the window resets. A window that has reset
 * starts again at its limit, so every process's sends count in it from the first one.
 */
const TAKE = `local q = redis.call('HMGET', KEYS[1], 'remaining', 'resetAt', 'limit', 'windowMs')
if not q[1] then return -1 end
local now = tonumber(ARGV[1])
local remaining = tonumber(q[1])
local resetAt = tonumber(q[2])
if now >= resetAt then
  local limit = tonumber(q[3])
  local windowMs = tonumber(q[4])
  if not limit or not windowMs or windowMs <= 0 then return -1 end
  resetAt = resetAt + windowMs * math.ceil((now - resetAt + 1) / windowMs)
  remaining = limit
end
if remaining > 0 then
  redis.call('HSET', KEYS[1], 'remaining', remaining - 1, 'resetAt', resetAt)
  return 0
end
redis.call('HSET', KEYS[1], 'remaining', 0, 'resetAt', resetAt)
return math.max(1, resetAt - now)`;

/**
 * Folds one announcement in. Within a window the count only goes down (it already holds
 * requests still in flight, which the server's figure does not) and the earliest reset
 * wins (resets in whole seconds are late by up to one). A jump in the server's figure
 * says its window reset: the announced reset realigns ours, and the count keeps the
 * lower of the two until our window rolls over at that reset.
 */
const ANNOUNCE = `local now = tonumber(ARGV[1])
local remaining = tonumber(ARGV[2])
local resetAt = tonumber(ARGV[3])
local windowMs = tonumber(ARGV[5])
local margin = tonumber(ARGV[6])
local q = redis.call('HMGET', KEYS[1], 'remaining', 'resetAt', 'last')
local storedReset = tonumber(q[2])
if not q[1] or now >= storedReset then
  redis.call('HSET', KEYS[1], 'remaining', remaining, 'resetAt', resetAt)
elseif remaining > tonumber(q[3] or '0') + margin then
  redis.call('HSET', KEYS[1], 'remaining', math.min(tonumber(q[1]), remaining), 'resetAt', resetAt)
else
  redis.call('HSET', KEYS[1], 'remaining', math.min(tonumber(q[1]), remaining), 'resetAt', math.min(storedReset, resetAt))
end
redis.call('HSET', KEYS[1], 'last', remaining)
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'limit', ARGV[4]) end
redis.call('HSET', KEYS[1], 'windowMs', windowMs)
redis.call('PEXPIRE', KEYS[1], math.max(60000, windowMs * 10))
return 1`;

/**
 * The count of an announced quota shared by every process: each admitted request takes
 * one from it in Redis (one Lua call), so N processes together spend the window once.
 * Without it, each process counts only its own requests between the server's
 * announcements and together they overspend by what the others sent meanwhile.
 */
export class SharedQuota {
  /** Origins known to announce a quota (only their requests pay the Redis call). */
  private readonly announcing = new Set<string>();

  constructor(private readonly link: RedisLink) {}

  knows(origin: string): boolean {
    return this.announcing.has(origin);
  }

  /** 0: go; > 0: wait that long and ask again; `undefined`: no shared count (go). */
  async take(origin: string): Promise<number | undefined> {
    const outcome = await this.link.run('rate.quota-take', ['EVAL', TAKE, '1', this.key(origin), String(Date.now())], asWait);
    if (!outcome.ok || outcome.value < 0) return undefined;
    return outcome.value;
  }

  announce(origin: string, quota: AnnouncedQuota, now: number): void {
    if (quota.remaining === undefined || quota.resetMs === undefined) return;
    this.announcing.add(origin);
    const windowMs = quota.windowMs ?? Math.max(1000, Math.ceil(quota.resetMs / 1000) * 1000);
    // Responses reordered in flight make the figure go up a little within a window; a reset makes it jump.
    const margin = Math.max(10, Math.floor((quota.limit ?? 0) / 4));
    const args = [String(now), String(quota.remaining), String(Math.round(now + quota.resetMs)), quota.limit === undefined ? '' : String(quota.limit), String(windowMs), String(margin)];
    void this.link.run('rate.quota-announce', ['EVAL', ANNOUNCE, '1', this.key(origin), ...args], asWait);
  }

  private key(origin: string): string {
    return this.link.key('rate', 'quota', origin);
  }
}

function asWait(reply: unknown): number | typeof GARBAGE {
  return typeof reply === 'number' && Number.isInteger(reply) && reply >= -1 ? reply : GARBAGE;
}
