import { encodeBar, type Bar, type Interval, type RedisKeys } from '@marketpipe/core';
import type { RespBuffer } from './resp-buffer';

/** Final bars kept per symbol and interval in Redis (docs/architecture: the hot window). */
export const BAR_WINDOW = 5_000;
/**
 * A sorted set is trimmed back to BAR_WINDOW once every this many bars added, not on every add:
 * at a minute boundary every symbol's window gains a bar at once, and a trim per symbol was a
 * third of that cycle's commands. Each key's count starts at its own offset, so the trims of
 * 5,000 symbols spread over TRIM_EVERY minutes; a window holds at most BAR_WINDOW + TRIM_EVERY - 1.
 */
export const TRIM_EVERY = 50;

/** What one writer last wrote to one sorted set. */
interface KeyWrites {
  /** the sorted set's key, built once: a minute boundary adds a bar to every symbol's set at once */
  key: string;
  /** ts of the newest bar in the key (written, or read): a newer bar has no old member at its ts to remove */
  newest: number;
  /** bars added since the last trim */
  sinceTrim: number;
}

/**
 * The per-symbol sorted sets of final bars, as one writer encodes them: the main thread's
 * RedisBarWindow for 1m (and for every interval in a refill), the timeframe thread for the
 * higher intervals it completes. Each keeps its own book of what it wrote, which decides when
 * an upsert can skip the removal and when a key is trimmed.
 */
export class BarSets {
  /** per interval, per symbol (looked up by the strings bars carry, without building a key per bar) */
  readonly #written = new Map<Interval, Map<string, KeyWrites>>();

  constructor(private readonly keys: RedisKeys) {}

  /**
   * Bars upserted by (symbol, interval, ts): the old member of that ts goes, the new one comes.
   * A bar newer than the key's newest (as this writer wrote it, or a read found it) is simply
   * added (the common case, one command): only another writer could have put a member at its
   * ts. A key not known yet, a rewrite (a refill) or a correction takes the removal. The keys
   * due a trim are trimmed after every add of the write.
   */
  upsert(out: RespBuffer, finals: readonly Bar[]): void {
    let touched: string[] | undefined;
    // A write's bars are of one interval, or a few in runs: its symbols' book is looked up once per run.
    let interval: Interval | undefined;
    let bySymbol: Map<string, KeyWrites> | undefined;
    for (const bar of finals) {
      if (bar.interval !== interval) bySymbol = this.#bookOf((interval = bar.interval));
      const w = bySymbol!.get(bar.symbol) ?? this.#writesOf(bar.symbol, bar.interval);
      const key = w.key;
      if (!(bar.ts > w.newest)) out.command(4, 'ZREMRANGEBYSCORE').string(key).int(bar.ts).int(bar.ts);
      out.command(4, 'ZADD').string(key).int(bar.ts).bulk(encodeBar(bar));
      if (!(bar.ts <= w.newest)) w.newest = bar.ts;
      if (++w.sinceTrim >= TRIM_EVERY) {
        w.sinceTrim = 0;
        (touched ??= []).push(key);
      }
    }
    for (const key of touched ?? []) out.command(4, 'ZREMRANGEBYRANK').string(key).int(0).int(-(BAR_WINDOW + 1));
  }

  /**
   * What a read found a key's newest bar to be (null: the key is empty). The book keeps the
   * later of the two: a read may predate a write of this writer still in flight, and another
   * writer may have added newer bars since this one last wrote; a newest too late costs a
   * removal that finds nothing, one too early would let a duplicate in.
   */
  learn(symbol: string, interval: Interval, newest: number | null): void {
    const w = this.#writesOf(symbol, interval);
    const read = newest ?? Number.NEGATIVE_INFINITY;
    if (Number.isNaN(w.newest) || read > w.newest) w.newest = read;
  }

  /**
   * Builds the book entries and the RESP encodings of these symbols' keys before their first
   * bar: otherwise a boundary where an interval completes for the first time in this process
   * (the first hour, 15,000 new keys at 5,000 symbols) builds them all inside its cycle. What
   * is known of each key stays unknown, so its first bar still takes the removal.
   */
  prepare(out: RespBuffer, symbols: readonly string[], intervals: readonly Interval[]): void {
    for (const interval of intervals) for (const symbol of symbols) out.remember(this.#writesOf(symbol, interval).key);
  }

  /** Nothing is known of any key any more (writes were skipped or failed, and another writer refills them). */
  forget(): void {
    for (const bySymbol of this.#written.values()) for (const w of bySymbol.values()) w.newest = Number.NaN;
  }

  /** A key not seen yet starts with newest NaN: nothing known of it, so its first bar takes the removal. */
  #writesOf(symbol: string, interval: Interval): KeyWrites {
    const bySymbol = this.#bookOf(interval);
    let w = bySymbol.get(symbol);
    if (!w) {
      const key = this.keys.bars(symbol, interval);
      bySymbol.set(symbol, (w = { key, newest: Number.NaN, sinceTrim: stagger(key) }));
    }
    return w;
  }

  #bookOf(interval: Interval): Map<string, KeyWrites> {
    let bySymbol = this.#written.get(interval);
    if (!bySymbol) this.#written.set(interval, (bySymbol = new Map()));
    return bySymbol;
  }
}

/** A key's starting count toward its first trim (FNV-1a of the key): spreads the trims of many keys. */
function stagger(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % TRIM_EVERY;
}
