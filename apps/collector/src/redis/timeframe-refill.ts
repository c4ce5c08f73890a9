import { Resampler, type Bar, type SymbolSpec } from '@marketpipe/core';
import type { HigherInterval, HistorySink } from '../ports';
import { rebuildDepthMs } from '../features/timeframe-warm';

export interface TimeframeRefillOptions {
  /** final bars per symbol and interval the window holds */
  windowBars: number;
  /** how far back history reaches (it keeps 1m bars that long) */
  retentionMs: number;
}

/**
 * The final higher-timeframe bars of one symbol that the window lacks, resampled from its 1m
 * history (history keeps only 1m bars; the others are derived, so they are derived again): per
 * interval those after the window's newest, or — for a window without any — the last
 * `windowBars` within the retention window. One history read serves every interval. The bucket
 * still open at history's end is not final and is left out (the live cycle writes it as forming).
 */
export async function missingTimeframeBars(
  history: HistorySink,
  spec: SymbolSpec,
  newest: ReadonlyMap<HigherInterval, ReadonlyMap<string, number | null>>,
  opts: TimeframeRefillOptions,
): Promise<Map<HigherInterval, Bar[]>> {
  const out = new Map<HigherInterval, Bar[]>();
  const last = await history.lastTs(spec.symbol);
  if (last === null || newest.size === 0) return out;
  const plans = [...newest].map(([interval, bySymbol]) => {
    const resampler = new Resampler({ interval, session: spec.session });
    const held = bySymbol.get(spec.symbol) ?? null;
    // Re-reading the window's newest bucket realigns the resampler; that bar itself is not rewritten.
    const readFrom = held ?? resampler.bucketOf(last - rebuildDepthMs(interval, opts.windowBars, opts.retentionMs)).start;
    return { interval, resampler, readFrom, keepFrom: held === null ? readFrom : held + 1, bars: [] as Bar[] };
  });
  const from = Math.min(...plans.map((p) => p.readFrom));
  if (from > last) return out;
  for (const bar of await history.range(spec.symbol, from, last)) {
    for (const plan of plans) {
      const completed = plan.resampler.update(bar).completed;
      if (completed && completed.ts >= plan.keepFrom) plan.bars.push(completed);
    }
  }
  for (const plan of plans) if (plan.bars.length > 0) out.set(plan.interval, plan.bars.slice(-opts.windowBars));
  return out;
}
