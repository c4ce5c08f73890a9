import type { Bar } from '@marketpipe/core';
import type { CycleWrite, HistorySink, HotWindow } from '../../src/ports';
import { HistoryBufferFullError } from '../../src/history/libsql-history-store';

/** An in-memory hot window whose writes fail on demand (`failing = true`). */
export class MemoryWindow implements HotWindow {
  failing = false;
  writes = 0;
  readonly bars = new Map<string, Map<number, Bar>>();
  readonly forming = new Map<string, Bar>();
  readonly features = new Map<string, Uint8Array>();
  readonly states = new Map<string, Uint8Array>();

  async writeCycle(w: CycleWrite): Promise<void> {
    this.#check();
    this.writes++;
    for (const b of w.finals) this.#of(b.symbol).set(b.ts, b);
    for (const b of w.forming) this.forming.set(b.symbol, b);
    for (const [s, v] of w.features) this.features.set(s, v);
    for (const [s, v] of w.states ?? []) this.states.set(s, v);
  }

  async lastFinalTs(symbols: readonly string[]): Promise<Map<string, number | null>> {
    this.#check();
    return new Map(symbols.map((s) => [s, this.#of(s).size > 0 ? Math.max(...this.#of(s).keys()) : null]));
  }

  /** 1m only: this fake keeps one window per symbol, so a higher interval's span is empty */
  async finalSpan(symbols: readonly string[]): Promise<Map<string, null>> {
    this.#check();
    return new Map(symbols.map((s) => [s, null]));
  }

  async finals(symbol: string, from = 0, to = Number.MAX_SAFE_INTEGER): Promise<Bar[]> {
    this.#check();
    return [...this.#of(symbol).values()].filter((b) => b.ts >= from && b.ts <= to).sort((a, b) => a.ts - b.ts);
  }

  async loadStates(symbols: readonly string[]): Promise<Map<string, Uint8Array>> {
    this.#check();
    return new Map(symbols.flatMap((s) => (this.states.has(s) ? [[s, this.states.get(s)!] as const] : [])));
  }

  async ping(): Promise<void> {
    this.#check();
  }

  #check(): void {
    if (this.failing) throw new Error('connect ECONNREFUSED (scripted)');
  }

  #of(symbol: string): Map<number, Bar> {
    let m = this.bars.get(symbol);
    if (!m) this.bars.set(symbol, (m = new Map()));
    return m;
  }
}

/** An in-memory history whose flushes fail on demand, with a bounded buffer like the real one. */
export class MemoryHistory implements HistorySink {
  failing = false;
  readonly stored = new Map<string, Map<number, Bar>>();
  #buffer: Bar[] = [];

  constructor(private readonly maxBuffered = Number.POSITIVE_INFINITY) {}

  add(bars: readonly Bar[]): void {
    if (this.#buffer.length + bars.length > this.maxBuffered) throw new HistoryBufferFullError(this.#buffer.length, this.maxBuffered);
    this.#buffer.push(...bars);
  }

  get pending(): number {
    return this.#buffer.length;
  }

  async flush(): Promise<number> {
    if (this.failing) throw new Error('SQLITE_READONLY (scripted)');
    const n = this.#buffer.length;
    for (const b of this.#buffer) this.#of(b.symbol).set(b.ts, b);
    this.#buffer = [];
    return n;
  }

  async lastTs(symbol: string): Promise<number | null> {
    const all = await this.range(symbol, 0, Number.MAX_SAFE_INTEGER);
    return all.at(-1)?.ts ?? null;
  }

  async lastBar(symbol: string): Promise<Bar | null> {
    return (await this.range(symbol, 0, Number.MAX_SAFE_INTEGER)).at(-1) ?? null;
  }

  async range(symbol: string, from: number, to: number): Promise<Bar[]> {
    const byTs = new Map(this.#of(symbol));
    for (const b of this.#buffer) if (b.symbol === symbol) byTs.set(b.ts, b);
    return [...byTs.values()].filter((b) => b.ts >= from && b.ts <= to).sort((a, b) => a.ts - b.ts);
  }

  async recent(symbol: string, limit: number, after = Number.NEGATIVE_INFINITY): Promise<Bar[]> {
    return (await this.range(symbol, 0, Number.MAX_SAFE_INTEGER)).filter((b) => b.ts > after).slice(-limit);
  }

  #of(symbol: string): Map<number, Bar> {
    let m = this.stored.get(symbol);
    if (!m) this.stored.set(symbol, (m = new Map()));
    return m;
  }
}
