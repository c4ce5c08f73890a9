import type { Bar } from './types';
import { INTERVAL_MS } from './types';
import { isMarketOpen, type SessionSpec } from './session';

export interface Gap {
  /** first missing bar open time (ms) */
  from: number;
  /** last missing bar open time (ms) */
  to: number;
  /** missing bars inside the session */
  missing: number;
  /** false when the gap was too long to fill (left for backfill) */
  filled: boolean;
}

export interface FillOptions {
  /**
   * Longer in-session gaps are not filled: an hour of silence inside a session is an outage or
   * an unmodelled holiday, and a flat line would pass it off as a quiet market.
   */
  maxFillBars?: number;
  /** also fill after the last bar, up to (not including) this open time */
  until?: number;
}

export interface FillResult {
  bars: Bar[];
  gaps: Gap[];
}

const DEFAULT_MAX_FILL = 60;

/**
 * Gap policy: a minute missing between two bars while the session is open becomes a flat bar
 * at the previous close (open = high = low = close), volume 0, `filled: true`, final, with
 * the previous bar's source. Minutes outside the session (nights, weekends, the FX roll) are
 * never filled. Expects one symbol's bars, ascending, at one interval.
 */
export function fillGaps(bars: readonly Bar[], session: SessionSpec, opts: FillOptions = {}): FillResult {
  const maxFill = opts.maxFillBars ?? DEFAULT_MAX_FILL;
  const out: Bar[] = [];
  const gaps: Gap[] = [];
  const fill = (prev: Bar, end: number) => {
    const step = INTERVAL_MS[prev.interval];
    const missing: number[] = [];
    for (let ts = prev.ts + step; ts < end; ts += step) if (isMarketOpen(session, ts)) missing.push(ts);
    if (missing.length === 0) return;
    const ok = missing.length <= maxFill;
    gaps.push({ from: missing[0]!, to: missing.at(-1)!, missing: missing.length, filled: ok });
    if (!ok) return;
    for (const ts of missing) {
      const c = prev.close;
      out.push({ ...prev, ts, open: c, high: c, low: c, close: c, volume: 0, final: true, filled: true });
    }
  };
  let prev: Bar | undefined;
  for (const bar of bars) {
    if (prev && bar.ts > prev.ts) fill(prev, bar.ts);
    out.push(bar);
    prev = bar;
  }
  if (prev && opts.until !== undefined) fill(prev, opts.until);
  return { bars: out, gaps };
}

/** The in-session gaps of a series, without filling them. */
export function detectGaps(bars: readonly Bar[], session: SessionSpec): Gap[] {
  return fillGaps(bars, session, { maxFillBars: 0 }).gaps.map((g) => ({ ...g, filled: false }));
}
