import { GARBAGE, type RedisLink } from './health.js';

/** The current rate of a pace hash: slow start (doubling) until a throttle after it, then a slow linear probe. */
const RATE = `local function rate(p, now)
  local elapsed = math.max(0, now - tonumber(p[3]))
  local base = tonumber(p[2])
  if p[4] == 'start' then return math.min(base * math.pow(2, elapsed / tonumber(ARGV[3])), 100000) end
  return base * (1 + tonumber(ARGV[4]) * elapsed / 1000)
end
`;

/**
 * Reserves the next send: GCRA over the shared rate, each turn spaced at the rate of its
 * own time (so that a slow start's queue does not wait at its first, lowest rate).
 * Returns -1 when the origin is not paced, else the ms to wait before sending (0: now);
 * during the closure that started the pace, turns are reserved from its end.
 */
const TAKE = `${RATE}
local p = redis.call('HMGET', KEYS[1], 'tat', 'base', 'since', 'mode')
if not p[2] then return -1 end
local now = tonumber(ARGV[1])
local tat = math.max(tonumber(p[1]) or now, now, tonumber(p[3]))
redis.call('HSET', KEYS[1], 'tat', tat + 1000 / rate(p, tat))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return math.floor(tat - now)`;

/**
 * A throttle (429/503) seen by any process. The first one starts a slow start from the
 * successes of the last second; a later one (not part of the same closure) resumes a
 * slow probe from just under the rate the server accepted over the last 300 ms (at a
 * throttle the server's bucket is dry, so what it accepted then is its rate).
 */
const THROTTLE = `${RATE}
local now = tonumber(ARGV[1])
local p = redis.call('HMGET', KEYS[1], 'tat', 'base', 'since', 'mode')
local accepted = 0
local slot = math.floor(now / 100)
for i = 0, 9 do
  local at = tonumber(redis.call('HGET', KEYS[1], 'okAt' .. i) or '-1')
  if at > slot - 3 then accepted = accepted + tonumber(redis.call('HGET', KEYS[1], 'ok' .. i) or '0') end
end
if not p[2] then
  redis.call('HSET', KEYS[1], 'base', tonumber(ARGV[5]), 'since', now + tonumber(ARGV[6]), 'mode', 'start', 'tat', now + tonumber(ARGV[6]))
elseif now >= tonumber(p[3]) + 50 then
  local current = rate(p, now)
  local span = math.max(100, math.min(300, now - tonumber(p[3])))
  local measured = accepted * 1000 / span
  local base = math.max(1, math.min(current, measured) * tonumber(ARGV[7]))
  redis.call('HSET', KEYS[1], 'base', base, 'since', now + tonumber(ARGV[6]), 'mode', 'probe')
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** A success at a paced origin, counted in 100 ms slots (the last second is kept). */
const ACCEPT = `local now = tonumber(ARGV[1])
local slot = math.floor(now / 100)
local i = slot % 10
if tonumber(redis.call('HGET', KEYS[1], 'okAt' .. i) or '-1') ~= slot then
  redis.call('HSET', KEYS[1], 'okAt' .. i, slot, 'ok' .. i, 0)
end
redis.call('HINCRBY', KEYS[1], 'ok' .. i, 1)
return 1`;

/** How long the pace of an origin outlives its last use. */
const LIFE_MS = 600_000;
const DOUBLING_MS = 100;
const PROBE_PER_SECOND = 0.05;
/** The slow start after a first throttle begins at this many requests per second. */
const START_RATE = 10;
const BACKOFF = 0.9;

/**
 * The send rate of an origin learnt by every process together and paced in Redis (a GCRA
 * that every send of every process passes): N processes together send at the rate the
 * server accepts, not N times it. Engaged once the origin has been throttled.
 */
export class SharedPace {
  private readonly paced = new Set<string>();

  constructor(private readonly link: RedisLink) {}

  knows(origin: string): boolean {
    return this.paced.has(origin);
  }

  /** Marks `origin` paced (a closure learnt elsewhere). */
  engage(origin: string): void {
    this.paced.add(origin);
  }

  /** ms to wait before sending; `undefined` when Redis cannot say (go, paced locally). */
  async take(origin: string): Promise<number | undefined> {
    const outcome = await this.link.run('rate.pace-take', ['EVAL', TAKE, '1', this.key(origin), String(Date.now()), String(LIFE_MS), String(DOUBLING_MS), String(PROBE_PER_SECOND)], asInteger);
    if (!outcome.ok || outcome.value < 0) return undefined;
    return outcome.value;
  }

  /** A throttle this process saw; `closureMs` is how long the server closed the origin. */
  throttled(origin: string, closureMs: number): void {
    this.paced.add(origin);
    const args = [String(Date.now()), String(LIFE_MS), String(DOUBLING_MS), String(PROBE_PER_SECOND), String(START_RATE), String(Math.max(0, Math.round(closureMs))), String(BACKOFF)];
    void this.link.run('rate.pace-throttle', ['EVAL', THROTTLE, '1', this.key(origin), ...args], asInteger);
  }

  accepted(origin: string): void {
    if (!this.paced.has(origin)) return;
    void this.link.run('rate.pace-accept', ['EVAL', ACCEPT, '1', this.key(origin), String(Date.now())], asInteger);
  }

  private key(origin: string): string {
    return this.link.key('rate', 'pace', origin);
  }
}

function asInteger(reply: unknown): number | typeof GARBAGE {
  return typeof reply === 'number' && Number.isInteger(reply) && reply >= -1 ? reply : GARBAGE;
}
