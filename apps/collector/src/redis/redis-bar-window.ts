import type { Bar, Interval, RedisKeys } from '@marketpipe/core';
import { decodeBar, encodeBar, encodeHeartbeat, encodeSeen } from '@marketpipe/core';
import type { CycleWrite, FinalSpan, HotWindow, IntervalWrite } from '../ports';
import type { BinaryRedisClient } from './client';
import { RedisBulkConnection } from './bulk-connection';
import { RespBuffer } from './resp-buffer';
import { hset, hsetBars, intervalHashes } from './hash-writes';

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
  /** the sorted set's key, built once: a minute boundary adds a bar to every symbol's set at once */
  key: string;
  /** ts of the newest bar in the key (written, or read at start): a newer bar has no old member at its ts to remove */
  newest: number;
  /** bars added since the last trim */
  sinceTrim: number;
}

/** write buffers kept for reuse: the parts of a cycle in flight at once, typically */
const MAX_SPARE_BUFFERS = 8;

/**
 * The hot window in Redis. The per-second data of all symbols travels in a few hash writes,
 * and per-symbol sorted sets change only when a bar is final, because the Node client, not
 * Redis, is the bottleneck at thousands of symbols: a cycle's commands are encoded here into
 * one RESP buffer and sent on a connection of their own (RedisBulkConnection) as one socket
 * write; reads go through node-redis. Every write is an idempotent upsert by (symbol,
 * interval, ts), so writing a bar twice is harmless: a failed write is simply redone.
 */
export class RedisBarWindow implements HotWindow {
  /** network round trips made, for tests and metrics */
  roundTrips = 0;
  /** per interval, per symbol (looked up by the strings bars carry, without building a key per bar) */
  readonly #written = new Map<Interval, Map<string, KeyWrites>>();
  readonly #bulk: RedisBulkConnection;
  /** RESP encodings of the symbols and keys every cycle repeats */
  readonly #strings = new Map<string, Uint8Array>();
  /** the size of the last write: a new buffer starts there rather than growing into it */
  #sizeHint = 1 << 16;
  /**
   * Buffers whose writes Redis answered, for the next writes: a new one per part was ~10 MB a
   * cycle allocated, zero-filled and grown (and counted against the GC as external memory).
   */
  readonly #spare: RespBuffer[] = [];

  constructor(
    private readonly client: BinaryRedisClient,
    readonly keys: RedisKeys,
  ) {
    // The writes must reach the Redis the reads come from: a client made without a URL has none to share.
    const url = client.options?.url;
    if (!url) throw new TypeError('RedisBarWindow needs a client created from a URL (its writes open a second connection to it)');
    this.#bulk = new RedisBulkConnection(url, { timeoutMs: client.options?.commandOptions?.timeout ?? 2_000 });
  }

  async writeCycle(w: CycleWrite): Promise<void> {
    const out = this.#spare.pop()?.reset() ?? new RespBuffer(this.#sizeHint, this.#strings);
    const { keys } = this;
    if (w.specs) out.command(3, 'SET').string(keys.symbols).string(JSON.stringify(w.specs));
    hsetBars(out, keys.forming, w.forming);
    hset(out, keys.features, w.features);
    hset(out, keys.signals, w.signals);
    if (w.states) hset(out, keys.state, w.states);
    if (w.seen.symbols.length > 0) {
      const at = encodeSeen(w.seen.at);
      out.command(2 + 2 * w.seen.symbols.length, 'HSET').string(keys.seen);
      for (const s of w.seen.symbols) out.string(s).string(at);
    }
    const touched: string[] = [];
    this.#addFinals(out, w.finals, touched);
    let threadError: Error | undefined;
    for (const [interval, iw] of w.higher ?? []) {
      this.#addInterval(out, interval, iw, touched);
      threadError ??= iw.sentByThread?.error;
    }
    for (const key of touched) out.command(4, 'ZREMRANGEBYRANK').string(key).int(0).int(-(BAR_WINDOW + 1));
    if (w.heartbeat) {
      const { collectorId, value, ttlSeconds } = w.heartbeat;
      out.command(5, 'SET').string(keys.heartbeat(collectorId)).string(encodeHeartbeat(value)).string('EX').int(ttlSeconds);
    }
    if (!w.partial) out.command(2, 'INCR').string(keys.version);
    this.#sizeHint = Math.max(1 << 16, out.byteLength);
    this.roundTrips++;
    await this.#bulk.exec(out);
    if (threadError) throw threadError;
    // Only once answered: until then the socket may still hold the bytes. A failed write's buffer is dropped.
    if (this.#spare.length < MAX_SPARE_BUFFERS) this.#spare.push(out);
  }

  /** Ends the write connection (node-redis's own is ended by its owner). */
  close(): void {
    this.#bulk.close();
  }

  /**
   * Bars upserted by (symbol, interval, ts): the old member of that ts goes, the new one comes.
   * A bar newer than the key's newest (as this process wrote it, or read it at start-up
   * reconciliation) is simply added (the common case, one command): only another writer could
   * have put a member at its ts, and in lease mode writes go through the fenced window instead.
   * A key not known yet, a rewrite (a refill) or a correction takes the removal.
   */
  #addFinals(out: RespBuffer, finals: readonly Bar[], touched: string[]): void {
    for (const bar of finals) {
      const w = this.#writesOf(bar.symbol, bar.interval);
      const key = w.key;
      if (!(bar.ts > w.newest)) out.command(4, 'ZREMRANGEBYSCORE').string(key).int(bar.ts).int(bar.ts);
      out.command(4, 'ZADD').string(key).int(bar.ts).bulk(encodeBar(bar));
      if (!(bar.ts <= w.newest)) w.newest = bar.ts;
      if (++w.sinceTrim >= TRIM_EVERY) {
        w.sinceTrim = 0;
        touched.push(key);
      }
    }
  }

  /** A higher timeframe: one HSET per hash for all its symbols, like the 1m ones (none when the timeframe thread sent them). */
  #addInterval(out: RespBuffer, interval: Interval, w: IntervalWrite, touched: string[]): void {
    intervalHashes(out, this.keys, interval, w);
    this.#addFinals(out, w.finals, touched);
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
      this.#learn(s, interval, newest);
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
      this.#learn(s, interval, last ?? null);
    });
    return out;
  }

  /** What a read found a key's newest bar to be (null: the key is empty), unless this process already knows better. */
  #learn(symbol: string, interval: Interval, newest: number | null): void {
    const w = this.#writesOf(symbol, interval);
    if (Number.isNaN(w.newest)) w.newest = newest ?? Number.NEGATIVE_INFINITY;
  }

  /** A key not seen yet starts with newest NaN: nothing known of it, so its first bar takes the removal. */
  #writesOf(symbol: string, interval: Interval): KeyWrites {
    let bySymbol = this.#written.get(interval);
    if (!bySymbol) this.#written.set(interval, (bySymbol = new Map()));
    let w = bySymbol.get(symbol);
    if (!w) {
      const key = this.keys.bars(symbol, interval);
      bySymbol.set(symbol, (w = { key, newest: Number.NaN, sinceTrim: stagger(key) }));
    }
    return w;
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

/** A key's starting count toward its first trim (FNV-1a of the key): spreads the trims of many keys. */
function stagger(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % TRIM_EVERY;
}
