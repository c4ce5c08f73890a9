import { Resampler, type Bar, type SymbolSpec } from '@marketpipe/core';
import type { FinalSpan, HigherInterval, HistorySink } from '../ports';
import { rebuildDepthMs } from '../features/timeframe-warm';

export interface TimeframeRefillOptions {
  /** final bars per symbol and interval the window holds */
  windowBars: number;
  /** how far back history reaches (it keeps 1m bars that long) */
  retentionMs: number;
}

/**
 * The final higher-timeframe bars of one symbol that the window lacks, resampled from its 1m
 * history (history keeps only 1m bars; the others are derived, so they are derived again).
 * Per interval: those after the window's newest (the window's newest bucket is re-read to
 * realign the resampler, not rewritten); and those history holds from before the window's
 * oldest while the window is not full, back to `windowBars` of the interval within the retention
 * window — a bootstrap may have filled older history since, which also makes whole the oldest
 * bucket the start of collection cut short. An empty window gets the whole depth. The bucket still open at history's end
 * is not final and is left out (the live cycle writes it as forming).
 */
export async function missingTimeframeBars(
  history: HistorySink,
  spec: SymbolSpec,
  spans: ReadonlyMap<HigherInterval, ReadonlyMap<string, FinalSpan | null>>,
  opts: TimeframeRefillOptions,
): Promise<Map<HigherInterval, Bar[]>> {
  const out = new Map<HigherInterval, Bar[]>();
  const last = await history.lastTs(spec.symbol);
  if (last === null) return out;
  const newer: { interval: HigherInterval; resampler: Resampler; readFrom: number; keepAfter: number }[] = [];
  for (const [interval, bySymbol] of spans) {
    const held = bySymbol.get(spec.symbol) ?? null;
    const resampler = new Resampler({ interval, session: spec.session });
    const depthStart = resampler.bucketOf(last - rebuildDepthMs(interval, opts.windowBars, opts.retentionMs)).start;
    if (held === null) {
      newer.push({ interval, resampler, readFrom: depthStart, keepAfter: depthStart - 1 });
      continue;
    }
    newer.push({ interval, resampler, readFrom: held.last, keepAfter: held.last });
    if (held.count < opts.windowBars && depthStart < held.first) {
      const older = (await resample(history, spec, interval, depthStart, resampler.bucketOf(held.first).end - 1)).filter((b) => b.ts >= depthStart);
      // The window's oldest bucket is rewritten only when history now reaches before it (else it is unchanged).
      if (older.some((b) => b.ts < held.first)) add(out, interval, older.filter((b) => b.ts <= held.first));
    }
  }
  const from = Math.min(...newer.map((p) => p.readFrom));
  if (newer.length === 0 || from > last) return trim(out, opts.windowBars);
  const got = new Map<HigherInterval, Bar[]>(newer.map((p) => [p.interval, []]));
  for (const bar of await history.range(spec.symbol, from, last)) {
    for (const plan of newer) {
      const completed = plan.resampler.update(bar).completed;
      if (completed && completed.ts > plan.keepAfter) got.get(plan.interval)!.push(completed);
    }
  }
  for (const [interval, bars] of got) add(out, interval, bars);
  return trim(out, opts.windowBars);
}

/** The complete buckets of one interval over a range of history. */
async function resample(history: HistorySink, spec: SymbolSpec, interval: HigherInterval, from: number, to: number): Promise<Bar[]> {
  return Resampler.series(await history.range(spec.symbol, from, to), { interval, session: spec.session }).filter((b) => b.final);
}

function add(out: Map<HigherInterval, Bar[]>, interval: HigherInterval, bars: Bar[]): void {
  if (bars.length > 0) out.set(interval, [...(out.get(interval) ?? []), ...bars]);
}

function trim(out: Map<HigherInterval, Bar[]>, windowBars: number): Map<HigherInterval, Bar[]> {
  for (const [interval, bars] of out) if (bars.length > windowBars) out.set(interval, bars.slice(-windowBars));
  return out;
}
