/**
 * A small per-isolate cache with expiry. Workers reuse an isolate for many requests, so a
 * few seconds of caching saves a Redis round trip on most of them; values that can change
 * (a revoked key) are seen again within the TTL.
 */
export class TtlCache<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  async get(key: K, load: () => Promise<V>): Promise<V> {
    const now = this.now();
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = await load();
    // Bounded: a flood of random keys must not grow the isolate's memory without limit.
    if (this.#entries.size >= this.maxEntries) this.#entries.clear();
    this.#entries.set(key, { value, expiresAt: now + this.ttlMs });
    return value;
  }
}
