import type { Bar } from '@marketpipe/core';

/** numbers per bar: ts, open, high, low, close, volume, flags, source */
const BAR_WORDS = 8;
const FINAL = 1;
const FILLED = 2;

/** One symbol's newly committed 1m bars and its forming bar, as the timeframe thread reads them back. */
export interface FedSymbol {
  /** the symbol's index in the specs both threads were given */
  index: number;
  /** the wall time the main thread fed it at (what its features are stamped with) */
  wallNow: number;
  finals: Bar[];
  forming: Bar | null;
}

/**
 * 1m bars packed into one Float64Array for the timeframe thread: a structured clone of 5,000
 * bar objects a second would cost the main thread about what resampling them does. Per symbol
 * `[index, wallNow, count, count × (ts, open, high, low, close, volume, flags, source)]`; a provider's
 * name travels once, as an index into a table both sides extend in the same order.
 */
export class BarFeed {
  #buf = new Float64Array(1 << 12);
  #at = 0;
  readonly #sources = new Map<string, number>();
  #newSources: string[] = [];

  get empty(): boolean {
    return this.#at === 0;
  }

  add(index: number, wallNow: number, finals: readonly Bar[], forming: Bar | null): void {
    const count = finals.length + (forming ? 1 : 0);
    this.#room(3 + count * BAR_WORDS);
    this.#buf[this.#at++] = index;
    this.#buf[this.#at++] = wallNow;
    this.#buf[this.#at++] = count;
    for (const bar of finals) this.#bar(bar);
    if (forming) this.#bar(forming);
  }

  /** What was added since the last take: a copy that can be transferred, and the provider names first seen in it. */
  take(): { data: Float64Array; sources: string[] } {
    const data = this.#buf.slice(0, this.#at);
    const sources = this.#newSources;
    this.#at = 0;
    this.#newSources = [];
    return { data, sources };
  }

  #bar(bar: Bar): void {
    const buf = this.#buf;
    buf[this.#at++] = bar.ts;
    buf[this.#at++] = bar.open;
    buf[this.#at++] = bar.high;
    buf[this.#at++] = bar.low;
    buf[this.#at++] = bar.close;
    buf[this.#at++] = bar.volume;
    buf[this.#at++] = (bar.final ? FINAL : 0) | (bar.filled ? FILLED : 0);
    buf[this.#at++] = this.#source(bar.source);
  }

  #source(name: string): number {
    let i = this.#sources.get(name);
    if (i === undefined) {
      this.#sources.set(name, (i = this.#sources.size));
      this.#newSources.push(name);
    }
    return i;
  }

  #room(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const grown = new Float64Array(Math.max(this.#buf.length * 2, this.#at + n));
    grown.set(this.#buf.subarray(0, this.#at));
    this.#buf = grown;
  }
}

/** Reads a BarFeed's data back; `sources` is the receiver's table, extended with each take's new names in order. */
export function* readFeed(data: Float64Array, symbols: readonly string[], sources: readonly string[]): Generator<FedSymbol> {
  let at = 0;
  while (at < data.length) {
    const index = data[at++]!;
    const wallNow = data[at++]!;
    const count = data[at++]!;
    const symbol = symbols[index]!;
    const finals: Bar[] = [];
    let forming: Bar | null = null;
    for (let i = 0; i < count; i++, at += BAR_WORDS) {
      const flags = data[at + 6]!;
      const bar: Bar = {
        symbol,
        interval: '1m',
        ts: data[at]!,
        open: data[at + 1]!,
        high: data[at + 2]!,
        low: data[at + 3]!,
        close: data[at + 4]!,
        volume: data[at + 5]!,
        source: sources[data[at + 7]!]!,
        final: (flags & FINAL) !== 0,
        filled: (flags & FILLED) !== 0,
      };
      if (bar.final) finals.push(bar);
      else forming = bar;
    }
    yield { index, wallNow, finals, forming };
  }
}
