import { SymbolRegistry, type SymbolSpec } from '@marketpipe/core';
import { TtlCache } from './cache';
import type { MarketDataReader } from './ports';

/**
 * The symbol registry, read from Redis at most every `ttlMs` per isolate: collectors publish
 * their specs once at start, so a few seconds of lag is harmless and saves a round trip.
 */
export class SymbolLookup {
  readonly #cache: TtlCache<'all', SymbolRegistry>;

  constructor(
    private readonly market: MarketDataReader,
    ttlMs = 10_000,
    now: () => number = Date.now,
  ) {
    this.#cache = new TtlCache(ttlMs, now, 1);
  }

  registry(): Promise<SymbolRegistry> {
    return this.#cache.get('all', async () => new SymbolRegistry(await this.market.symbols()));
  }

  /** The spec for a canonical name or broker alias; throws core's UnknownSymbolError (→ 404). */
  async require(symbol: string): Promise<SymbolSpec> {
    return (await this.registry()).require(symbol);
  }
}
