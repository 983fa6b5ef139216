import { GARBAGE, type RedisLink } from './link.js';

/**
 * The shared pace of one origin lives in one Redis hash, `<prefix>rate:pace:<origin>`:
 *
 * | field | holds |
 * |---|---|
 * | `mode` | `start` (slow start after the first throttle) or `probe` (a rate was measured) |
 * | `base`, `since` | the rate when sending resumed, and when it resumed (the end of the closure) |
 * | `growth` | the share of `base` the rate grows by per second (probe mode) |
 * | `at0..2`, `n0..2` | successes per 100 ms slot, the last three slots |
 * | `tat` | the next free turn (GCRA's theoretical arrival time), epoch ms |
 * | `ok` | successes since `since`, from every process |
 * | `burst` | the server's burst: the successes of the herd that met the first throttle |
 */
const RATE = `local function rate(p, now)
  local elapsed = math.max(0, now - tonumber(p[2]))
  local base = tonumber(p[1])
  if p[3] == 'start' then return math.min(base * math.pow(2, elapsed / tonumber(ARGV[3])), 100000) end
  return base * (1 + tonumber(p[4]) * elapsed / 1000)
end
`;

/**
 * Reserves the next turn (GCRA): returns -1 when the origin is not paced, else the ms to
 * wait before sending (0: now). Each turn is spaced at the rate of its own time, and no
 * turn falls before `since` (the end of the closure that the last throttle caused).
 */
const TAKE = `${RATE}
local p = redis.call('HMGET', KEYS[1], 'base', 'since', 'mode', 'growth', 'tat')
if not p[1] then return -1 end
local now = tonumber(ARGV[1])
local tat = math.max(tonumber(p[5]) or now, now, tonumber(p[2]))
redis.call('HSET', KEYS[1], 'tat', tat + 1000 / rate(p, tat))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return math.floor(tat - now)`;

/**
 * A throttle (429/503) seen by any process. ARGV: now, life, doubling ms, slow growth,
 * the closure it caused (ms), this process's herd successes, start rate, FIT, BACKOFF,
 * quick growth, UNDER.
 *
 * - The first throttle starts a slow start (from the start rate, doubling every doubling
 *   ms) once the closure ends. Throttles and reports during that first closure belong to
 *   the same herd: their successes add up to the server's burst.
 * - A later throttle (not one of the closure's stragglers) measures the server's rate. At
 *   a throttle its bucket is dry: after a run of 2 s or more, what it served since sending
 *   resumed is its burst plus its rate times the span (resume at FIT × it, slow growth);
 *   after a slow start, what it served over the last 200 ms is read roughly (BACKOFF ×
 *   it, quick growth); soon after a measured rate, that rate was too high (UNDER × it).
 */
const THROTTLE = `${RATE}
local now = tonumber(ARGV[1])
local closed = now + tonumber(ARGV[5])
local p = redis.call('HMGET', KEYS[1], 'base', 'since', 'mode', 'growth', 'ok', 'burst')
if not p[1] then
  redis.call('HSET', KEYS[1], 'base', ARGV[7], 'since', closed, 'mode', 'start', 'tat', closed, 'ok', 0, 'burst', ARGV[6])
elseif p[3] == 'start' and now < tonumber(p[2]) then
  redis.call('HINCRBY', KEYS[1], 'burst', ARGV[6])
elseif now >= tonumber(p[2]) + 50 then
  local span = now - tonumber(p[2])
  local current = rate(p, now)
  local base
  local growth = ARGV[10]
  if span >= 2000 then
    -- A long run since sending resumed: the server served its burst once and its rate for the rest.
    base = math.min(current, (tonumber(p[5] or '0') - tonumber(p[6] or '0')) * 1000 / span) * tonumber(ARGV[8])
    growth = ARGV[4]
  elseif p[3] == 'probe' then
    -- A short run after a measured rate: that rate was too high; resume below it, probing slowly.
    base = math.min(current, tonumber(p[1])) * tonumber(ARGV[11])
    growth = ARGV[4]
  else
    -- A short one (a slow start that overshot): what the server served over the last 200 ms, its
    -- bucket draining to dry, is its rate plus a burst that this share takes off.
    local slot = math.floor(now / 100)
    local recent = 0
    for i = 0, 1 do
      if tonumber(redis.call('HGET', KEYS[1], 'at' .. ((slot - i) % 3)) or '-1') == slot - i then
        recent = recent + tonumber(redis.call('HGET', KEYS[1], 'n' .. ((slot - i) % 3)) or '0')
      end
    end
    base = math.min(current, recent * 1000 / math.max(100, now - (slot - 1) * 100)) * tonumber(ARGV[9])
  end
  base = math.max(1, base)
  redis.call('HSET', KEYS[1], 'base', base, 'since', closed, 'mode', 'probe', 'growth', growth, 'tat', closed, 'ok', 0)
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** A process that learnt of the first closure from another: its successes belong to the herd. */
const REPORT = `local p = redis.call('HMGET', KEYS[1], 'mode', 'since')
if p[1] == 'start' and tonumber(ARGV[1]) < tonumber(p[2]) then redis.call('HINCRBY', KEYS[1], 'burst', ARGV[2]) end
return 1`;

/** A success at a paced origin, counted once sending has resumed. */
const ACCEPT = `local since = redis.call('HGET', KEYS[1], 'since')
local now = tonumber(ARGV[1])
if not since or now < tonumber(since) then return 1 end
redis.call('HINCRBY', KEYS[1], 'ok', 1)
local slot = math.floor(now / 100)
local i = slot % 3
if tonumber(redis.call('HGET', KEYS[1], 'at' .. i) or '-1') ~= slot then redis.call('HSET', KEYS[1], 'at' .. i, slot, 'n' .. i, 0) end
redis.call('HINCRBY', KEYS[1], 'n' .. i, 1)
return 1`;

/** The share of a rate that proved too high (a throttle soon after it) that the pace resumes at. */
const UNDER = 0.85;
/** How long the pace of an origin outlives its last use. */
const LIFE_MS = 600_000;
const DOUBLING_MS = 100;
/** Growth per second of a rate measured over a long run: slow, so that the probe past the server's rate comes late. */
const PROBE_PER_SECOND = 0.002;
/** …and of a rate read roughly from a slow start's overshoot: quick, so that a low reading is soon made good. */
const QUICK_PROBE_PER_SECOND = 0.03;
/** The slow start after a first throttle begins at this many requests per second. */
const START_RATE = 10;
/** The share of a measured rate the pace resumes at… */
const FIT = 0.98;
/** …or this share of what the server served over the last 200 ms, after a short run. */
const BACKOFF = 0.6;
/** The window of a process's own successes that, at its first throttle, count towards the herd. */
const HERD_WINDOW_MS = 250;
/** Origins whose recent successes are counted locally (the oldest is forgotten first). */
const MAX_COUNTED = 256;

/**
 * The send rate of an origin learnt by every process together and paced in Redis (a GCRA
 * that every send of every process passes): N processes together send at the rate the
 * server accepts, not N times it. Engaged once the origin has been throttled.
 */
export class SharedPace {
  private readonly paced = new Set<string>();
  /** Successes at origins not paced yet, in two windows of {@link HERD_WINDOW_MS}: no Redis call. */
  private readonly recent = new Map<string, { window: number; count: number; previous: number }>();

  constructor(private readonly link: RedisLink) {}

  knows(origin: string): boolean {
    return this.paced.has(origin);
  }

  /** Marks `origin` paced (a closure learnt elsewhere); its recent successes join the herd. */
  engage(origin: string): void {
    if (this.paced.has(origin)) return;
    this.paced.add(origin);
    void this.link.run('rate.pace-report', ['EVAL', REPORT, '1', this.key(origin), String(Date.now()), String(this.herd(origin))], asInteger);
  }

  /** ms to wait before sending; `undefined` when Redis cannot say (go, paced locally). */
  async take(origin: string): Promise<number | undefined> {
    const outcome = await this.link.run('rate.pace-take', ['EVAL', TAKE, '1', this.key(origin), String(Date.now()), String(LIFE_MS), String(DOUBLING_MS), String(PROBE_PER_SECOND)], asInteger);
    if (!outcome.ok || outcome.value < 0) return undefined;
    return outcome.value;
  }

  /** A throttle this process saw; `closureMs` is how long the server closed the origin. */
  throttled(origin: string, closureMs: number): void {
    const herd = this.paced.has(origin) ? 0 : this.herd(origin);
    this.paced.add(origin);
    const args = [String(Date.now()), String(LIFE_MS), String(DOUBLING_MS), String(PROBE_PER_SECOND), String(Math.max(0, Math.round(closureMs))), String(herd), String(START_RATE), String(FIT), String(BACKOFF), String(QUICK_PROBE_PER_SECOND), String(UNDER)];
    void this.link.run('rate.pace-throttle', ['EVAL', THROTTLE, '1', this.key(origin), ...args], asInteger);
  }

  accepted(origin: string): void {
    if (this.paced.has(origin)) {
      void this.link.run('rate.pace-accept', ['EVAL', ACCEPT, '1', this.key(origin), String(Date.now())], asInteger);
      return;
    }
    const window = Math.floor(Date.now() / HERD_WINDOW_MS);
    const counted = this.recent.get(origin);
    if (!counted) {
      if (this.recent.size >= MAX_COUNTED) this.recent.delete(this.recent.keys().next().value as string);
      this.recent.set(origin, { window, count: 1, previous: 0 });
    } else if (counted.window === window) counted.count++;
    else {
      counted.previous = counted.window === window - 1 ? counted.count : 0;
      counted.window = window;
      counted.count = 1;
    }
  }

  /** This process's successes at `origin` over the last one or two windows; forgets them. */
  private herd(origin: string): number {
    const counted = this.recent.get(origin);
    this.recent.delete(origin);
    if (!counted) return 0;
    const window = Math.floor(Date.now() / HERD_WINDOW_MS);
    if (counted.window === window) return counted.count + counted.previous;
    return counted.window === window - 1 ? counted.count : 0;
  }

  private key(origin: string): string {
    return this.link.key('rate', 'pace', origin);
  }
}

function asInteger(reply: unknown): number | typeof GARBAGE {
  return typeof reply === 'number' && Number.isInteger(reply) && reply >= -1 ? reply : GARBAGE;
}
