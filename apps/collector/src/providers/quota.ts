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
 * windows have room for the whole count. ARGV holds limit, expire-at pairs, then per key the
 * credits spent while Redis was unreachable (added first, so an outage's spending is not
 * forgotten), then the credits asked for. Returns the grant (1/0) followed by each window's count.
 */
const ACQUIRE = `
local n = #KEYS
local count = tonumber(ARGV[n * 3 + 1])
for i, key in ipairs(KEYS) do
  local offline = tonumber(ARGV[n * 2 + i])
  if offline > 0 then
    redis.call('INCRBY', key, offline)
    redis.call('PEXPIREAT', key, ARGV[i * 2])
  end
end
local used = {}
for i, key in ipairs(KEYS) do
  used[i] = tonumber(redis.call('GET', key) or '0')
  if used[i] + count > tonumber(ARGV[i * 2 - 1]) then
    table.insert(used, 1, 0)
    return used
  end
end
for i, key in ipairs(KEYS) do
  used[i] = redis.call('INCRBY', key, count)
  redis.call('PEXPIREAT', key, ARGV[i * 2])
end
table.insert(used, 1, 1)
return used`;

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
  /** per quota key: the count Redis last reported, and what was spent since without Redis */
  readonly #known = new Map<string, number>();
  readonly #offline = new Map<string, number>();
  /** when each key's window ends: counts of ended windows are forgotten (one new key a minute) */
  readonly #ends = new Map<string, number>();
  readonly #onOffline: ((offline: boolean) => void) | undefined;
  #isOffline = false;

  constructor(deps: { redis: QuotaRedis; keys: RedisKeys; onOffline?: (offline: boolean) => void }) {
    this.#redis = deps.redis;
    this.#keys = deps.keys;
    this.#onOffline = deps.onOffline;
  }

  /**
   * Spends `count` credits (one request, or one batch request billed per symbol) if every
   * window has room for all of them; false (nothing spent) otherwise. While Redis is
   * unreachable it decides conservatively in process — the last count Redis reported plus what
   * was spent since — and hands that spending to Redis on the first call that reaches it.
   */
  async tryAcquire(provider: string, limits: readonly QuotaLimit[], now: number, count = 1): Promise<boolean> {
    if (limits.length === 0) return true;
    const keys = limits.map((l) => this.#keys.quota(provider, windowId(l.window, now)));
    this.#forgetEnded(now);
    limits.forEach((l, i) => this.#ends.set(keys[i]!, windowEnd(l.window, now)));
    const offline = keys.map((k) => this.#offline.get(k) ?? 0);
    const args = [
      ...limits.flatMap((l) => [String(l.limit), String(windowEnd(l.window, now) + 1_000)]),
      ...offline.map(String),
      String(count),
    ];
    let reply: unknown;
    try {
      reply = await this.#redis.eval(ACQUIRE, { keys, arguments: args });
    } catch {
      this.#setOffline(true);
      return this.#acquireOffline(keys, limits, count);
    }
    this.#setOffline(false);
    const [granted, ...used] = (reply as unknown[]).map(Number);
    keys.forEach((k, i) => {
      this.#offline.delete(k);
      // A refusal reports only the windows up to the full one; the others keep their last count.
      if (used[i] !== undefined) this.#known.set(k, used[i]);
    });
    return granted === 1;
  }

  /**
   * Requests spent per window (in `limits` order) as far as this store knows without asking
   * Redis: its last reported count plus what was spent since while it was unreachable; 0 for
   * a window no request has touched yet.
   */
  spent(provider: string, limits: readonly QuotaLimit[], now: number): number[] {
    return limits.map((l) => {
      const key = this.#keys.quota(provider, windowId(l.window, now));
      return (this.#known.get(key) ?? 0) + (this.#offline.get(key) ?? 0);
    });
  }

  #acquireOffline(keys: readonly string[], limits: readonly QuotaLimit[], count: number): boolean {
    // A window Redis never reported on (started during the outage) may already be half spent.
    const used = keys.map((k, i) => (this.#known.get(k) ?? Math.ceil(limits[i]!.limit / 2)) + (this.#offline.get(k) ?? 0));
    if (used.some((u, i) => u + count > limits[i]!.limit)) return false;
    for (const k of keys) this.#offline.set(k, (this.#offline.get(k) ?? 0) + count);
    return true;
  }

  #forgetEnded(now: number): void {
    if (this.#ends.size < 64) return;
    for (const [key, end] of this.#ends) {
      if (end > now) continue;
      this.#ends.delete(key);
      this.#known.delete(key);
      this.#offline.delete(key);
    }
  }

  #setOffline(offline: boolean): void {
    if (offline === this.#isOffline) return;
    this.#isOffline = offline;
    this.#onOffline?.(offline);
  }

  /** Requests spent in the window containing `now`. */
  async used(provider: string, window: QuotaWindow, now: number): Promise<number> {
    const value = await this.#redis.get(this.#keys.quota(provider, windowId(window, now)));
    return value === null ? 0 : Number(value);
  }
}
