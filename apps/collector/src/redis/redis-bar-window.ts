import type { Bar, Interval, RedisKeys } from '@marketpipe/core';
import { decodeBar, encodeHeartbeat, encodeSeen } from '@marketpipe/core';
import type { CycleWrite, FinalSpan, HotWindow } from '../ports';
import type { BinaryRedisClient } from './client';
import { RedisBulkConnection } from './bulk-connection';
import { MAX_SPARE_BUFFERS, RespBuffer } from './resp-buffer';
import { hset, hsetBars, intervalHashes } from './hash-writes';
import { BarSets } from './bar-sets';

export { BAR_WINDOW, TRIM_EVERY } from './bar-sets';

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
  readonly #sets: BarSets;
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
    this.#sets = new BarSets(keys);
    this.#bulk = new RedisBulkConnection(url, { timeoutMs: client.options?.commandOptions?.timeout ?? 2_000 });
  }

  /** Readies the sorted-set keys this window will write (BarSets.prepare), at start-up rather than in a boundary's cycle. */
  prepare(symbols: readonly string[], intervals: readonly Interval[]): void {
    this.#sets.prepare(new RespBuffer(1 << 10, this.#strings), symbols, intervals);
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
    this.#sets.upsert(out, w.finals);
    let threadError: Error | undefined;
    for (const [interval, iw] of w.higher ?? []) {
      intervalHashes(out, keys, interval, iw);
      this.#sets.upsert(out, iw.finals);
      threadError ??= iw.sentByThread?.error;
    }
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
      this.#sets.learn(s, interval, newest);
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
      this.#sets.learn(s, interval, last ?? null);
    });
    return out;
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
