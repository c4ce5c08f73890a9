import { DEFAULT_SYMBOL_SPECS, type Bar, type SymbolSpec } from '@marketpipe/core';
import type { ApiKeyRecord, ApiKeyStore, BarsSnapshot, Heartbeat, MarketDataReader, RateLimitDecision, RateLimiter } from '../src/ports';

/** In-memory ports for fast in-process tests of the app's routing, auth and error mapping. */
export class MemoryMarket implements MarketDataReader {
  specs: SymbolSpec[] = DEFAULT_SYMBOL_SPECS;
  finals = new Map<string, Bar[]>();
  forming = new Map<string, Bar>();
  seen = new Map<string, number>();
  beats: Heartbeat[] = [];

  async symbols() {
    return this.specs;
  }

  async bars(symbol: string, _interval: string, limit: number): Promise<BarsSnapshot> {
    const bars = [...(this.finals.get(symbol) ?? [])];
    const live = this.forming.get(symbol);
    if (live) bars.push(live);
    return { bars: bars.slice(-limit), updatedAt: this.seen.get(symbol) ?? null };
  }

  async heartbeats() {
    return this.beats;
  }
}

export class MemoryKeys implements ApiKeyStore {
  records = new Map<string, ApiKeyRecord>();
  async find(hash: string) {
    return this.records.get(hash) ?? null;
  }
}

/** Allows `budget` requests per identifier, then refuses. */
export class CountingLimiter implements RateLimiter {
  seen = new Map<string, number>();
  constructor(private readonly budget = 1_000) {}
  async limit(id: string): Promise<RateLimitDecision> {
    const used = (this.seen.get(id) ?? 0) + 1;
    this.seen.set(id, used);
    return { success: used <= this.budget, limit: this.budget, remaining: this.budget - used, reset: Date.now() + 60_000 };
  }
}

export function bar(symbol: string, ts: number, close: number, final = true): Bar {
  return { symbol, interval: '1m', ts, open: close, high: close, low: close, close, volume: 0, source: 'sim', final, filled: false };
}
