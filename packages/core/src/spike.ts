import type { Bar } from './types';
import type { Reject } from './reject';

export interface SpikeGuardOptions {
  /** a close further than this many ATRs from the previous close is suspect */
  atrMultiple?: number;
  /** before ATR is warm: a close further than this fraction of the previous close is suspect */
  relativeThreshold?: number;
  /** Wilder ATR period */
  atrPeriod?: number;
}

/**
 * What the guard keeps of an accepted bar, in objects of its own that it overwrites: holding the
 * caller's bars kept two parsed bars a symbol alive from one poll to the next, long enough to be
 * promoted out of the young generation (at 5,000 symbols, a megabyte a second for a full GC).
 */
interface Seen {
  ts: number;
  high: number;
  low: number;
  close: number;
  source: string;
}

interface SymbolState {
  /** the last accepted bar before the current minute */
  prev: Seen | null;
  /** the latest accepted bar of the current minute (may still be forming) */
  current: Seen | null;
  pending: Bar | null;
  trCount: number;
  trSum: number;
  atr: number | null;
}

export interface SpikeResult {
  accepted: Bar[];
  rejects: Reject[];
}

/**
 * Holds back a bar whose close jumps implausibly far from the previous close (one bad tick can
 * wreck every indicator downstream). The bar is rejected as `spike_suspect` and kept pending;
 * the next bar offered (a later fetch, or the same minute from a second provider) confirms it
 * when it sits near the suspect level, and both are released. If the next bar is back near the
 * old level, the suspect is dropped. One guard serves all symbols.
 */
export class SpikeGuard {
  readonly #atrMultiple: number;
  readonly #relative: number;
  readonly #period: number;
  readonly #states = new Map<string, SymbolState>();

  constructor(opts: SpikeGuardOptions = {}) {
    this.#atrMultiple = opts.atrMultiple ?? 10;
    this.#relative = opts.relativeThreshold ?? 0.02;
    this.#period = opts.atrPeriod ?? 14;
  }

  offer(bar: Bar): SpikeResult {
    const s = this.#state(bar.symbol);
    // Older bars (backfill) are not judged against the live edge.
    if (s.current && bar.ts < s.current.ts) return { accepted: [bar], rejects: [] };
    const pending = s.pending;
    if (pending) {
      s.pending = null;
      if (Math.abs(bar.close - pending.close) <= this.#threshold(s, pending.close)) {
        const released = pending.ts < bar.ts ? [pending, bar] : [bar];
        for (const b of released) this.#accept(s, b);
        return { accepted: released, rejects: [] };
      }
    }
    const ref = this.#reference(s, bar);
    // ATR measures one feed's moves; across a fail-over the basis itself may differ (bid, mid,
    // last; spot or future), so a bar from another provider is held to the relative bound only.
    const limit = ref ? this.#threshold(s, ref.close, ref.source !== bar.source) : 0;
    if (ref && Math.abs(bar.close - ref.close) > limit) {
      s.pending = bar;
      return {
        accepted: [],
        rejects: [
          {
            reason: 'spike_suspect',
            symbol: bar.symbol,
            ts: bar.ts,
            detail: `close ${bar.close} is ${Math.abs(bar.close - ref.close)} from ${ref.close} (limit ${limit}); held for confirmation`,
          },
        ],
      };
    }
    this.#accept(s, bar);
    return { accepted: [bar], rejects: [] };
  }

  /** Current ATR of a symbol (null until warm), exposed for tests and diagnostics. */
  atr(symbol: string): number | null {
    return this.#states.get(symbol)?.atr ?? null;
  }

  /** ATR-based once warm, but never below a tenth of the relative one: a flat spell has ATR ≈ 0. */
  #threshold(s: SymbolState, level: number, crossSource = false): number {
    const relative = this.#relative * Math.abs(level);
    return s.atr !== null && !crossSource ? Math.max(this.#atrMultiple * s.atr, relative / 10) : relative;
  }

  #reference(s: SymbolState, bar: Bar): Seen | null {
    return s.current && s.current.ts < bar.ts ? s.current : s.prev;
  }

  #accept(s: SymbolState, bar: Bar): void {
    let into = s.current;
    if (s.current && bar.ts > s.current.ts) {
      this.#addTrueRange(s, s.current);
      into = s.prev;
      s.prev = s.current;
    }
    s.current = seen(into, bar);
  }

  /** Wilder ATR over finished bars: mean of the first n true ranges, then smoothed. */
  #addTrueRange(s: SymbolState, bar: Seen): void {
    if (!s.prev) return;
    const pc = s.prev.close;
    const tr = Math.max(bar.high - bar.low, Math.abs(bar.high - pc), Math.abs(bar.low - pc));
    s.trCount += 1;
    if (s.atr === null) {
      s.trSum += tr;
      if (s.trCount === this.#period) s.atr = s.trSum / this.#period;
    } else {
      s.atr = (s.atr * (this.#period - 1) + tr) / this.#period;
    }
  }

  #state(symbol: string): SymbolState {
    let s = this.#states.get(symbol);
    if (!s) {
      s = { prev: null, current: null, pending: null, trCount: 0, trSum: 0, atr: null };
      this.#states.set(symbol, s);
    }
    return s;
  }
}

function seen(into: Seen | null, bar: Bar): Seen {
  if (!into) return { ts: bar.ts, high: bar.high, low: bar.low, close: bar.close, source: bar.source };
  into.ts = bar.ts;
  into.high = bar.high;
  into.low = bar.low;
  into.close = bar.close;
  into.source = bar.source;
  return into;
}
