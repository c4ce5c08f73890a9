import type { RateLimitDecision, RateLimiter } from '../ports';
import type { BinaryPipeline } from './binary-pipeline';
import { LuaScript } from './lua-script';

const WINDOW_MS = 60_000;
const WHAT = 'rate limit check';

/**
 * The sliding window of `@upstash/ratelimit`'s single-region `slidingWindow`, with its key
 * layout (`{prefix}:{identifier}:{window number}`), so counts carry over from it: the current
 * window's count plus the previous one's, weighted by how much of it still overlaps. The
 * shebang flag lets Upstash lock only these keys (the local bridge drops it).
 */
const SCRIPT = new LuaScript(`#!lua flags=allow-key-locking
local current = tonumber(redis.call("GET", KEYS[1]) or "0")
local previous = tonumber(redis.call("GET", KEYS[2]) or "0")
local limit, now, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
previous = math.floor((1 - (now % window) / window) * previous)
if current + previous >= limit then return -1 end
local count = redis.call("INCR", KEYS[1])
if count == 1 then redis.call("PEXPIRE", KEYS[1], window * 2 + 1000) end
return limit - (count + previous)`);

/**
 * A sliding window per identifier in Redis, one round trip per request (a LuaScript). An
 * identifier found over its limit is answered from memory until its window resets: a flood
 * from one key costs Redis nothing.
 *
 * Fails closed: while Redis is unreachable it cannot count, so the request gets the 503 that
 * names the cause. Failing open would pass every request on to a data route that needs
 * Redis too (a second failing round trip per request, to an endpoint that is struggling)
 * and leave the API unlimited exactly while it is weakest.
 */
export class UpstashRateLimiter implements RateLimiter {
  readonly #blockedUntil = new Map<string, number>();

  constructor(
    private readonly redis: BinaryPipeline,
    private readonly options: { prefix: string; perMinute: number; now?: () => number },
  ) {}

  async limit(identifier: string): Promise<RateLimitDecision> {
    const { prefix, perMinute: limit, now: clock = Date.now } = this.options;
    const now = clock();
    const window = Math.floor(now / WINDOW_MS);
    const reset = (window + 1) * WINDOW_MS;
    const blockedUntil = this.#blockedUntil.get(identifier);
    if (blockedUntil !== undefined && blockedUntil > now) return { success: false, limit, remaining: 0, reset: blockedUntil };

    const keys = [`${prefix}:${identifier}:${window}`, `${prefix}:${identifier}:${window - 1}`];
    const remaining = Number(await SCRIPT.run(this.redis, WHAT, keys, [limit, now, WINDOW_MS]));
    const success = remaining >= 0;
    if (success) this.#blockedUntil.delete(identifier);
    else {
      // Bounded: a flood of distinct identifiers must not grow the isolate's memory without limit.
      if (this.#blockedUntil.size >= 10_000) this.#blockedUntil.clear();
      this.#blockedUntil.set(identifier, reset);
    }
    return { success, limit, remaining: Math.max(0, remaining), reset };
  }
}
