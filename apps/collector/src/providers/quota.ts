import type { RedisKeys } from '@marketpipe/core';

export type QuotaWindow = 'minute' | 'day';

export interface QuotaLimit {
  window: QuotaWindow;
  limit: number;
}

export const WINDOW_MS: Record<QuotaWindow, number> = { minute: 60_000, day: 86_400_000 };

/** The part of a node-redis client the store uses (a test can pass a stub). */
export interface QuotaRedis {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  get(key: string): Promise<string | null>;
}

/**
 * Check-then-spend across every window in one atomic step, so concurrent fetches (and several
 * collectors sharing a provider key) never overshoot a limit: nothing is counted unless all
 * windows have room. ARGV holds limit, expire-at pairs.
 */
const ACQUIRE = `
for i, key in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', key) or '0')
  if used >= tonumber(ARGV[i * 2 - 1]) then return 0 end
end
for i, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('PEXPIREAT', key, ARGV[i * 2])
end
return 1`;

/** Window ids are UTC calendar minutes and days (Twelve Data resets at 00:00 UTC). */
export function windowId(window: QuotaWindow, now: number): string {
  const iso = new Date(now).toISOString();
  return window === 'day' ? iso.slice(0, 10) : iso.slice(0, 16);
}

export function windowEnd(window: QuotaWindow, now: number): number {
  const ms = WINDOW_MS[window];
  return Math.floor(now / ms) * ms + ms;
}

/**
 * Request counters per provider and window in Redis (`{prefix}quota:{provider}:{window}`),
 * expiring when their window ends, so a restarted collector knows what it has already spent.
 */
export class QuotaStore {
  readonly #redis: QuotaRedis;
  readonly #keys: RedisKeys;

  constructor(deps: { redis: QuotaRedis; keys: RedisKeys }) {
    this.#redis = deps.redis;
    this.#keys = deps.keys;
  }

  /** Spends one request if every window has room; false (nothing spent) otherwise. */
  async tryAcquire(provider: string, limits: readonly QuotaLimit[], now: number): Promise<boolean> {
    if (limits.length === 0) return true;
    const keys = limits.map((l) => this.#keys.quota(provider, windowId(l.window, now)));
    const args = limits.flatMap((l) => [String(l.limit), String(windowEnd(l.window, now) + 1_000)]);
    const granted = await this.#redis.eval(ACQUIRE, { keys, arguments: args });
    return Number(granted) === 1;
  }

  /** Requests spent in the window containing `now`. */
  async used(provider: string, window: QuotaWindow, now: number): Promise<number> {
    const value = await this.#redis.get(this.#keys.quota(provider, windowId(window, now)));
    return value === null ? 0 : Number(value);
  }
}
