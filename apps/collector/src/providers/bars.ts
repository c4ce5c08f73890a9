import { INTERVAL_MS, floorTo, type Bar, type Interval } from '@marketpipe/core';
import type { FetchRange, FetchResult } from './types';

const MINUTE = 60_000;

export interface BarContext {
  /** canonical symbol the bars are stored under */
  symbol: string;
  source: string;
  /** current time (ms); bars that closed by then are final */
  now: number;
  /** the resolution asked for (history at a coarser one than 1m); 1m when absent */
  interval?: Interval;
}

/** Builds a bar at the context's resolution (1m by default); `final` is false only for the bar still forming. */
export function makeBar(
  ctx: BarContext,
  ts: number,
  ohlcv: { open: number; high: number; low: number; close: number; volume: number },
): Bar {
  // Field by field, not spread: this runs for every bar of every poll.
  return {
    symbol: ctx.symbol,
    interval: ctx.interval ?? '1m',
    ts,
    open: ohlcv.open,
    high: ohlcv.high,
    low: ohlcv.low,
    close: ohlcv.close,
    volume: ohlcv.volume,
    source: ctx.source,
    final: ts + INTERVAL_MS[ctx.interval ?? '1m'] - MINUTE < floorTo(ctx.now, MINUTE),
    filled: false,
  };
}

/**
 * Keeps bars inside the requested window; providers often return more than asked for (those
 * are handed back as `outside`, so a caller can say what it left out). A bar with an
 * unparseable time is kept so that validation rejects (and counts) it.
 */
export function keepInRange(result: FetchResult, range: FetchRange): FetchResult {
  const bars: Bar[] = [];
  const outside: Bar[] = [];
  for (const b of result.bars) (Number.isNaN(b.ts) || (b.ts >= range.from && b.ts <= range.to) ? bars : outside).push(b);
  return { bars, rejects: result.rejects, ...(outside.length > 0 ? { outside } : {}) };
}

/** Decimal string → number; "" and "-" (Alpha Vantage's "missing") become NaN, never 0. */
export function num(value: string): number {
  const trimmed = value.trim();
  return trimmed === '' ? Number.NaN : Number(trimmed);
}

/** The bars of `keepInRange` alone (the array itself when all of them are in range). */
export function inRange(bars: Bar[], range: FetchRange): Bar[] {
  if (bars.every((b) => Number.isNaN(b.ts) || (b.ts >= range.from && b.ts <= range.to))) return bars;
  return keepInRange({ bars, rejects: [] }, range).bars;
}
