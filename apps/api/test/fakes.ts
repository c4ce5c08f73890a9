import { DEFAULT_SYMBOL_SPECS, INTERVALS, type Bar, type Features, type Interval, type Signal, type SymbolSpec } from '@marketpipe/core';
import type { ApiKeyRecord, ApiKeyStore, BarsSnapshot, Heartbeat, Latest, MarketDataReader, RateLimitDecision, RateLimiter, SignalsRead } from '../src/ports';

/** What the collector stores per interval: final bars, the forming bar, features, signals, by symbol. */
export interface IntervalData {
  finals: Map<string, Bar[]>;
  forming: Map<string, Bar>;
  feats: Map<string, Features>;
  sigs: Map<string, Signal>;
}

const emptyData = (): IntervalData => ({ finals: new Map(), forming: new Map(), feats: new Map(), sigs: new Map() });

/** In-memory ports for fast in-process tests of the app's routing, auth and error mapping. */
export class MemoryMarket implements MarketDataReader, IntervalData {
  specs: SymbolSpec[] = DEFAULT_SYMBOL_SPECS;
  /** the 1m data */
  finals = new Map<string, Bar[]>();
  forming = new Map<string, Bar>();
  feats = new Map<string, Features>();
  sigs = new Map<string, Signal>();
  /** the other intervals' data; `data('5m')` creates it */
  readonly #higher = new Map<Interval, IntervalData>();
  seen = new Map<string, number>();
  beats: Heartbeat[] = [];
  pings = 0;
  /** the collector's write counter (md:v1:version); null as in a store nothing stamps, which is never cached */
  version: number | null = null;
  /** `signalsSince` calls that returned every signal rather than "unchanged" */
  fullSignalReads = 0;

  data(interval: Interval): IntervalData {
    if (interval === '1m') return this;
    if (!this.#higher.has(interval)) this.#higher.set(interval, emptyData());
    return this.#higher.get(interval)!;
  }

  async symbols() {
    return this.specs;
  }

  async bars(symbol: string, interval: Interval, limit: number): Promise<BarsSnapshot> {
    const { finals, forming } = this.data(interval);
    const bars = [...(finals.get(symbol) ?? [])];
    const live = forming.get(symbol);
    if (live) bars.push(live);
    return { bars: bars.slice(-limit), updatedAt: this.seen.get(symbol) ?? null };
  }

  async heartbeats() {
    return this.beats;
  }

  async features(symbols: readonly string[], interval: Interval) {
    return this.#latest(symbols, this.data(interval).feats);
  }

  async signals(interval: Interval, symbols: readonly string[]) {
    return this.#latest(symbols, this.data(interval).sigs);
  }

  async signalsSince(interval: Interval, known: string | null): Promise<SignalsRead> {
    const version = this.version === null ? null : String(this.version);
    if (version !== null && version === known) return { unchanged: true, version };
    this.fullSignalReads++;
    const { sigs } = this.data(interval);
    return { unchanged: false, version, signals: this.#latest([...sigs.keys()], sigs) };
  }

  async computedIntervals(kind: 'features' | 'signals') {
    return INTERVALS.filter((iv) => (kind === 'features' ? this.data(iv).feats : this.data(iv).sigs).size > 0);
  }

  async ping() {
    this.pings++;
  }

  #latest<T>(symbols: readonly string[], from: Map<string, T>): Latest<T>[] {
    return symbols.flatMap((symbol) => {
      const value = from.get(symbol);
      return value ? [{ symbol, value, updatedAt: this.seen.get(symbol) ?? null }] : [];
    });
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

export function bar(symbol: string, ts: number, close: number, final = true, interval: Interval = '1m'): Bar {
  return { symbol, interval, ts, open: close, high: close, low: close, close, volume: 0, source: 'sim', final, filled: false };
}

export function features(symbol: string, ts: number, interval: Interval = '1m'): Features {
  return {
    symbol, interval, ts, final: false, close: 1.0842, defs: 'talib',
    ema: { '9': 1.0841, '21': 1.0839, '50': null, '200': null },
    rsi: 56.2, atr: 0.00031, momentum: 0.0004, volumeMa: null, vwap: null,
    bb: { middle: 1.0838, upper: 1.0849, lower: 1.0827, bandwidth: 0.002, percentB: 0.68 },
    macd: { macd: null, signal: null, histogram: null },
    periods: { ema: [9, 21, 50, 200], rsi: 14, atr: 14, momentum: 10, volumeMa: 20, bb: [20, 2], macd: [12, 26, 9] },
    warm: false, computedAt: ts + 512,
  };
}

export function signal(symbol: string, score: number, ts: number): Signal {
  return { symbol, side: 'long', score, reasons: ['ema9>ema21'], price: 1.0842, stop: 1.0835, target: null, ts, computedAt: ts + 512 };
}
