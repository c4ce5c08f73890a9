import type { Bar, Interval } from '@marketpipe/core';

/**
 * One symbol's bars at one resolution as columns of typed arrays: what a bootstrap hands its
 * writer thread. Typed arrays are transferred between threads (their memory moves, nothing is
 * copied or cloned), where an array of bar objects would be structured-cloned field by field.
 */
export interface BarColumns {
  symbol: string;
  interval: Interval;
  /** distinct sources, indexed by `source` */
  sources: string[];
  ts: Float64Array;
  /** open, high, low, close, volume per bar, interleaved */
  ohlcv: Float64Array;
  source: Uint8Array;
  filled: Uint8Array;
}

/** Bars of one symbol and resolution (the first bar's), oldest first, as columns. */
export function toColumns(bars: readonly Bar[], symbol: string, interval: Interval): BarColumns {
  const n = bars.length;
  const cols: BarColumns = { symbol, interval, sources: [], ts: new Float64Array(n), ohlcv: new Float64Array(n * 5), source: new Uint8Array(n), filled: new Uint8Array(n) };
  let lastSource = '';
  let lastIndex = -1;
  for (let i = 0; i < n; i++) {
    const b = bars[i]!;
    if (b.symbol !== symbol || b.interval !== interval) throw new RangeError(`bar ${b.symbol} ${b.interval} in columns of ${symbol} ${interval}`);
    if (b.source !== lastSource || lastIndex < 0) {
      lastSource = b.source;
      lastIndex = cols.sources.indexOf(b.source);
      if (lastIndex < 0) lastIndex = cols.sources.push(b.source) - 1;
    }
    cols.ts[i] = b.ts;
    const o = i * 5;
    cols.ohlcv[o] = b.open;
    cols.ohlcv[o + 1] = b.high;
    cols.ohlcv[o + 2] = b.low;
    cols.ohlcv[o + 3] = b.close;
    cols.ohlcv[o + 4] = b.volume;
    cols.source[i] = lastIndex;
    cols.filled[i] = b.filled ? 1 : 0;
  }
  return cols;
}

/** The bars back, final (a writer without the columnar path: a remote libsql://). */
export function fromColumns(cols: BarColumns): Bar[] {
  const out: Bar[] = [];
  for (let i = 0; i < cols.ts.length; i++) {
    const o = i * 5;
    out.push({
      symbol: cols.symbol,
      interval: cols.interval,
      ts: cols.ts[i]!,
      open: cols.ohlcv[o]!,
      high: cols.ohlcv[o + 1]!,
      low: cols.ohlcv[o + 2]!,
      close: cols.ohlcv[o + 3]!,
      volume: cols.ohlcv[o + 4]!,
      source: cols.sources[cols.source[i]!]!,
      final: true,
      filled: cols.filled[i] === 1,
    });
  }
  return out;
}

/** The buffers to transfer with a postMessage of `cols`. */
export const transferables = (cols: BarColumns): ArrayBuffer[] => [cols.ts.buffer, cols.ohlcv.buffer, cols.source.buffer, cols.filled.buffer] as ArrayBuffer[];

export const columnsLength = (cols: BarColumns): number => cols.ts.length;
