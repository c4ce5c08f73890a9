import type { Bar, Interval, RedisKeys } from '@marketpipe/core';
import { decodeBar, encodeBar, encodeHeartbeat, encodeSeen, setCodecSlabAllocator } from '@marketpipe/core';
import type { CycleWrite, FinalSpan, HotWindow, IntervalWrite } from '../ports';
import type { BinaryRedisClient } from './client';

/** Final bars kept per symbol and interval in Redis (docs/architecture: the hot window). */
export const BAR_WINDOW = 5_000;
/**
 * A sorted set is trimmed back to BAR_WINDOW once every this many bars added, not on every add:
 * at a minute boundary every symbol's window gains a bar at once, and a trim per symbol was a
 * third of that cycle's commands. Each key's count starts at its own offset, so the trims of
 * 5,000 symbols spread over TRIM_EVERY minutes; a window holds at most BAR_WINDOW + TRIM_EVERY - 1.
 */
export const TRIM_EVERY = 50;

/** What this window last wrote to one sorted set. */
interface KeyWrites {
  /** ts of the newest bar in the key (written, or read at start): a newer bar has no old member at its ts to remove */
  newest: number;
  /** bars added since the last trim */
  sinceTrim: number;
}

// node-redis stores a Uint8Array as its text form unless it is a Buffer. The codec writes into
// Buffer slabs, so what it encodes is already one; anything else is wrapped without copying.
setCodecSlabAllocator((n) => Buffer.allocUnsafeSlow(n));
const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

/**
 * The hot window in Redis. The per-second data of all symbols travels in a few hash writes,
 * and per-symbol sorted sets change only when a bar is final, because the Node client, not
 * Redis, is the bottleneck at thousands of symbols. Every write is an idempotent upsert by
 * (symbol, interval, ts), so writing a bar twice is harmless: a failed write is simply redone.
 */
export class RedisBarWindow implements HotWindow {
  /** network round trips made, for tests and metrics */
  roundTrips = 0;
  readonly #written = new Map<string, KeyWrites>();

  constructor(
    private readonly client: BinaryRedisClient,
    readonly keys: RedisKeys,
  ) {}

  async writeCycle(w: CycleWrite): Promise<void> {
    const multi = this.client.multi();
    if (w.specs) multi.set(this.keys.symbols, JSON.stringify(w.specs));
    if (w.forming.length > 0) multi.hSet(this.keys.forming, formingFields(w.forming));
    if (w.features.size > 0) multi.hSet(this.keys.features, mapToFields(w.features));
    if (w.signals.size > 0) multi.hSet(this.keys.signals, mapToFields(w.signals));
    if (w.states && w.states.size > 0) multi.hSet(this.keys.state, mapToFields(w.states));
    if (w.seen.symbols.length > 0) {
      const at = encodeSeen(w.seen.at);
      const fields: Record<string, string> = {};
      for (const s of w.seen.symbols) fields[s] = at;
      multi.hSet(this.keys.seen, fields);
    }
    const touched = new Set<string>();
    this.#addFinals(multi, w.finals, touched);
    for (const [interval, iw] of w.higher ?? []) this.#addInterval(multi, interval, iw, touched);
    for (const key of touched) multi.zRemRangeByRank(key, 0, -(BAR_WINDOW + 1));
    if (w.heartbeat) {
      multi.set(this.keys.heartbeat(w.heartbeat.collectorId), encodeHeartbeat(w.heartbeat.value), {
        expiration: { type: 'EX', value: w.heartbeat.ttlSeconds },
      });
    }
    if (!w.partial) multi.incr(this.keys.version);
    this.roundTrips++;
    await multi.execAsPipeline();
  }

  /**
   * Bars upserted by (symbol, interval, ts): the old member of that ts goes, the new one comes.
   * A bar newer than the key's newest (as this process wrote it, or read it at start-up
   * reconciliation) is simply added (the common case, one command): only another writer could
   * have put a member at its ts, and in lease mode writes go through the fenced window instead.
   * A key not known yet, a rewrite (a refill) or a correction takes the removal.
   */
  #addFinals(multi: Multi, finals: readonly Bar[], touched: Set<string>): void {
    for (const bar of finals) {
      const key = this.keys.bars(bar.symbol, bar.interval);
      let w = this.#written.get(key);
      if (!w) this.#written.set(key, (w = { newest: Number.NaN, sinceTrim: stagger(key) }));
      if (!(bar.ts > w.newest)) multi.zRemRangeByScore(key, bar.ts, bar.ts);
      multi.zAdd(key, { score: bar.ts, value: asBuffer(encodeBar(bar)) });
      if (!(bar.ts <= w.newest)) w.newest = bar.ts;
      if (++w.sinceTrim >= TRIM_EVERY) {
        w.sinceTrim = 0;
        touched.add(key);
      }
    }
  }

  /** A higher timeframe: one HSET per hash for all its symbols, like the 1m ones. */
  #addInterval(multi: Multi, interval: Interval, w: IntervalWrite, touched: Set<string>): void {
    if (w.forming.length > 0) multi.hSet(this.keys.formingOf(interval), formingFields(w.forming));
    if (w.features.size > 0) multi.hSet(this.keys.featuresOf(interval), mapToFields(w.features));
    if (w.signals.size > 0) multi.hSet(this.keys.signalsOf(interval), mapToFields(w.signals));
    if (w.states && w.states.size > 0) multi.hSet(this.keys.stateOf(interval), mapToFields(w.states));
    this.#addFinals(multi, w.finals, touched);
  }

  async lastFinalTs(symbols: readonly string[], interval: Interval = '1m'): Promise<Map<string, number | null>> {
    const out = new Map<string, number | null>();
    if (symbols.length === 0) return out;
    const multi = this.client.multi();
    for (const s of symbols) multi.zRangeWithScores(this.keys.bars(s, interval), -1, -1);
    this.roundTrips++;
    const replies = (await multi.execAsPipeline()) as unknown as { score: number }[][];
    symbols.forEach((s, i) => {
      const newest = replies[i]?.[0]?.score ?? null;
      out.set(s, newest);
      this.#learn(this.keys.bars(s, interval), newest);
    });
    return out;
  }

  async finalSpan(symbols: readonly string[], interval: Interval): Promise<Map<string, FinalSpan | null>> {
    const out = new Map<string, FinalSpan | null>();
    if (symbols.length === 0) return out;
    const multi = this.client.multi();
    for (const s of symbols) {
      const key = this.keys.bars(s, interval);
      multi.zRangeWithScores(key, 0, 0);
      multi.zRangeWithScores(key, -1, -1);
      multi.zCard(key);
    }
    this.roundTrips++;
    const replies = (await multi.execAsPipeline()) as unknown[];
    symbols.forEach((s, i) => {
      const first = (replies[3 * i] as { score: number }[] | undefined)?.[0]?.score;
      const last = (replies[3 * i + 1] as { score: number }[] | undefined)?.[0]?.score;
      const count = Number(replies[3 * i + 2] ?? 0);
      out.set(s, first === undefined || last === undefined ? null : { first, last, count });
      this.#learn(this.keys.bars(s, interval), last ?? null);
    });
    return out;
  }

  /** What a read found a key's newest bar to be (null: the key is empty), unless this process already knows better. */
  #learn(key: string, newest: number | null): void {
    if (this.#written.has(key)) return;
    this.#written.set(key, { newest: newest ?? Number.NEGATIVE_INFINITY, sinceTrim: stagger(key) });
  }

  async ping(): Promise<void> {
    this.roundTrips++;
    await this.client.ping();
  }

  /** Final bars of one symbol with ts in [from, to]. */
  async finals(symbol: string, from = 0, to = Number.MAX_SAFE_INTEGER, interval: Interval = '1m'): Promise<Bar[]> {
    this.roundTrips++;
    const members = await this.client.zRangeByScore(this.keys.bars(symbol, interval), from, to);
    return members.map((m) => decodeBar(m));
  }

  async forming(symbol: string, interval: Interval = '1m'): Promise<Bar | null> {
    this.roundTrips++;
    const bytes = await this.client.hGet(this.keys.formingOf(interval), symbol);
    return bytes ? decodeBar(bytes) : null;
  }

  async loadStates(symbols: readonly string[], interval: Interval = '1m'): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    if (symbols.length === 0) return out;
    this.roundTrips++;
    const values = await this.client.hmGet(this.keys.stateOf(interval), [...symbols]);
    symbols.forEach((s, i) => {
      const v = values[i];
      if (v) out.set(s, v);
    });
    return out;
  }
}

type Multi = ReturnType<BinaryRedisClient['multi']>;

/** A key's starting count toward its first trim (FNV-1a of the key): spreads the trims of many keys. */
function stagger(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % TRIM_EVERY;
}

/**
 * HSET arguments as a flat [field, value, …] list: a Record of thousands of fields is a
 * dictionary-mode object built key by key, and node-redis would list its keys again.
 */
function mapToFields(map: Map<string, Uint8Array>): (string | Buffer)[] {
  const fields: (string | Buffer)[] = [];
  for (const [k, v] of map) fields.push(k, asBuffer(v));
  return fields;
}

function formingFields(bars: readonly Bar[]): (string | Buffer)[] {
  const fields: (string | Buffer)[] = [];
  for (const bar of bars) fields.push(bar.symbol, asBuffer(encodeBar(bar)));
  return fields;
}
