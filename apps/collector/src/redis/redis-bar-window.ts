import type { Bar, RedisKeys, SymbolSpec } from '@marketpipe/core';
import { decodeBar, encodeBar } from '@marketpipe/core';
import type { BinaryRedisClient } from './client';

/** Final 1m bars kept per symbol in Redis (DESIGN §4). */
export const BAR_WINDOW = 5_000;

export interface Heartbeat {
  at: number;
  cycle: number;
  version: string;
  symbols: string[];
}

/** Everything one cycle writes; all of it goes out as one pipeline (one round trip). */
export interface CycleWrite {
  forming: Bar[];
  finals: Bar[];
  features: Map<string, Uint8Array>;
  signals: Map<string, Uint8Array>;
  /** symbols polled successfully this cycle, and when */
  seen: { symbols: readonly string[]; at: number };
  heartbeat: { collectorId: string; value: Heartbeat; ttlSeconds: number };
}

// node-redis stores a Uint8Array as its text form unless it is a Buffer; wrap without copying.
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The hot window in Redis. The per-second data of all symbols travels in a few hash writes,
 * and per-symbol sorted sets change only when a bar is final, because the Node client, not
 * Redis, is the bottleneck at thousands of symbols.
 */
export class RedisBarWindow {
  /** network round trips made, for tests and metrics */
  roundTrips = 0;

  constructor(
    private readonly client: BinaryRedisClient,
    readonly keys: RedisKeys,
  ) {}

  async writeCycle(w: CycleWrite): Promise<void> {
    const multi = this.client.multi();
    if (w.forming.length > 0) {
      const fields: Record<string, Buffer> = {};
      for (const bar of w.forming) fields[bar.symbol] = asBuffer(encodeBar(bar));
      multi.hSet(this.keys.forming, fields);
    }
    if (w.features.size > 0) multi.hSet(this.keys.features, mapToFields(w.features));
    if (w.signals.size > 0) multi.hSet(this.keys.signals, mapToFields(w.signals));
    if (w.seen.symbols.length > 0) {
      const at = String(w.seen.at);
      const fields: Record<string, string> = {};
      for (const s of w.seen.symbols) fields[s] = at;
      multi.hSet(this.keys.seen, fields);
    }
    this.#appendFinals(multi, w.finals);
    multi.set(this.keys.heartbeat(w.heartbeat.collectorId), JSON.stringify(w.heartbeat.value), {
      expiration: { type: 'EX', value: w.heartbeat.ttlSeconds },
    });
    this.roundTrips++;
    await multi.execAsPipeline();
  }

  /** Adds final bars (replacing any bar already stored at the same ts) and trims each window. */
  async appendFinals(bars: readonly Bar[]): Promise<void> {
    if (bars.length === 0) return;
    const multi = this.client.multi();
    this.#appendFinals(multi, bars);
    this.roundTrips++;
    await multi.execAsPipeline();
  }

  #appendFinals(multi: ReturnType<BinaryRedisClient['multi']>, bars: readonly Bar[]): void {
    const touched = new Set<string>();
    for (const bar of bars) {
      const key = this.keys.bars(bar.symbol, bar.interval);
      multi.zRemRangeByScore(key, bar.ts, bar.ts);
      multi.zAdd(key, { score: bar.ts, value: asBuffer(encodeBar(bar)) });
      touched.add(key);
    }
    for (const key of touched) multi.zRemRangeByRank(key, 0, -(BAR_WINDOW + 1));
  }

  async writeSymbols(specs: readonly SymbolSpec[]): Promise<void> {
    this.roundTrips++;
    await this.client.set(this.keys.symbols, JSON.stringify(specs));
  }

  /** Final bars of one symbol with ts in [from, to]. */
  async finals(symbol: string, from = 0, to = Number.MAX_SAFE_INTEGER): Promise<Bar[]> {
    this.roundTrips++;
    const members = await this.client.zRangeByScore(this.keys.bars(symbol), from, to);
    return members.map((m) => decodeBar(m));
  }

  async forming(symbol: string): Promise<Bar | null> {
    this.roundTrips++;
    const bytes = await this.client.hGet(this.keys.forming, symbol);
    return bytes ? decodeBar(bytes) : null;
  }

  async saveStates(states: Map<string, Uint8Array>): Promise<void> {
    if (states.size === 0) return;
    this.roundTrips++;
    await this.client.hSet(this.keys.state, mapToFields(states));
  }

  async loadStates(symbols: readonly string[]): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    if (symbols.length === 0) return out;
    this.roundTrips++;
    const values = await this.client.hmGet(this.keys.state, [...symbols]);
    symbols.forEach((s, i) => {
      const v = values[i];
      if (v) out.set(s, v);
    });
    return out;
  }
}

function mapToFields(map: Map<string, Uint8Array>): Record<string, Buffer> {
  const fields: Record<string, Buffer> = {};
  for (const [k, v] of map) fields[k] = asBuffer(v);
  return fields;
}
