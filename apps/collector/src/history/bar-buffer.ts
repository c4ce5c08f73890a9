import type { Bar, Interval } from '@marketpipe/core';

/**
 * Bars accepted and not yet flushed, one per (symbol, interval, ts), the last added winning.
 * Looked up level by level rather than by a key string built per bar: at a minute boundary
 * 5,000 bars arrive in a cycle, and a string per bar, hashed once, was most of their cost.
 */
export class BarBuffer {
  readonly #bySymbol = new Map<string, Map<Interval, Map<number, Bar>>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  set(bar: Bar): void {
    let byInterval = this.#bySymbol.get(bar.symbol);
    if (!byInterval) this.#bySymbol.set(bar.symbol, (byInterval = new Map()));
    let byTs = byInterval.get(bar.interval);
    if (!byTs) byInterval.set(bar.interval, (byTs = new Map()));
    if (!byTs.has(bar.ts)) this.#size++;
    byTs.set(bar.ts, bar);
  }

  *values(): IterableIterator<Bar> {
    for (const byInterval of this.#bySymbol.values()) for (const byTs of byInterval.values()) yield* byTs.values();
  }

  /** The bars of one series, in the order first added. */
  of(symbol: string, interval: Interval): IterableIterator<Bar> {
    return (this.#bySymbol.get(symbol)?.get(interval) ?? new Map<number, Bar>()).values();
  }
}
