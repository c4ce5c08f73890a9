import { INTERVAL_MS, decodeValue, type FeatureEngineState, type SymbolSpec } from '@marketpipe/core';
import type { HigherInterval, HistorySink, HotWindow } from '../ports';
import type { Logger } from '../logger';
import type { ShardAnalytics } from '../shard/shard-coordinator';
import { WARM_BARS, type WarmReport } from './feature-stage';
import { TimeframeEngines, type TimeframeSlot } from './timeframe-stage';
import type { TimeframeThread } from './timeframe-thread';

/**
 * How far back a higher timeframe is rebuilt from 1m history: `bars` bars of it (markets trade
 * about 5 days in 7), and never more than the retention window — history keeps only 1m bars,
 * and only that long. 5,000 5m bars fit (~24 days); 1h, 4h and 1d get what 90 days hold.
 */
export function rebuildDepthMs(interval: HigherInterval, bars: number, retentionMs: number): number {
  return Math.min(retentionMs, (bars * INTERVAL_MS[interval] * 7) / 5);
}

/**
 * Brings the higher timeframes to where history ends: each feature engine resumes from its
 * persisted state (`md:v1:state:{iv}`) or is rebuilt from up to WARM_BARS bars of its interval
 * (bounded by the retention window); every resampler is replayed from the start of its open
 * bucket, so the next live 1m bar continues it. One history read per symbol serves all intervals.
 */
export async function warmTimeframes(
  stage: TimeframeEngines,
  specs: readonly SymbolSpec[],
  history: HistorySink,
  window: HotWindow | null,
  logger: Logger,
  retentionMs: number,
): Promise<WarmReport> {
  const report: WarmReport = { restored: 0, rebuilt: 0, replayed: 0 };
  const states = await loadStates(stage, specs, window, logger);
  for (const spec of specs) {
    const slots = stage.slots(spec.symbol);
    const last = await history.lastTs(spec.symbol);
    if (!slots || last === null) continue;
    let from = last;
    for (const slot of slots) {
      from = Math.min(from, slot.resampler.bucketOf(last).start);
      if (!slot.engine) continue;
      const resumedAt = restore(stage, spec, slot, states.get(slot.interval)?.get(spec.symbol), last, logger);
      if (resumedAt !== null) {
        report.restored++;
        from = Math.min(from, resumedAt);
      } else {
        report.rebuilt++;
        from = Math.min(from, slot.resampler.bucketOf(last - rebuildDepthMs(slot.interval, WARM_BARS, retentionMs)).start);
      }
    }
    const bars = await history.range(spec.symbol, from, last);
    for (const bar of bars) {
      for (const slot of slots) {
        const completed = slot.resampler.update(bar).completed;
        if (completed) stage.commit(slot, completed);
      }
    }
    report.replayed += bars.length;
  }
  return report;
}

async function loadStates(stage: TimeframeEngines, specs: readonly SymbolSpec[], window: HotWindow | null, logger: Logger) {
  const states = new Map<HigherInterval, Map<string, Uint8Array>>();
  if (!window) return states;
  const symbols = specs.map((s) => s.symbol);
  try {
    for (const iv of stage.featureIntervals) states.set(iv, await window.loadStates(symbols, iv));
  } catch (err) {
    logger.warn({ cause: err instanceof Error ? err.message : String(err) }, 'timeframe engine states unreadable (Redis unreachable); rebuilding them from history');
    states.clear();
  }
  return states;
}

/** Restores a slot's engine; the ts of its last committed bar, or null when it must be rebuilt. */
function restore(stage: TimeframeEngines, spec: SymbolSpec, slot: TimeframeSlot, bytes: Uint8Array | undefined, last: number, logger: Logger): number | null {
  if (!bytes) return null;
  try {
    const state = decodeValue<FeatureEngineState>(bytes);
    if (!state.last) throw new Error('state has no committed bar');
    // A state that has seen bars history does not hold (another database, a lost file): the record wins.
    if (state.last.ts > last) throw new Error(`state at ${state.last.ts} is ahead of history (${last})`);
    slot.engine!.restore(state);
    slot.engineTs = state.last.ts;
    return state.last.ts;
  } catch (err) {
    logger.warn({ cause: err instanceof Error ? err.message : String(err), symbol: spec.symbol, interval: slot.interval }, 'persisted timeframe engine state unusable; rebuilding from history');
    stage.resetEngine(spec, slot);
    return null;
  }
}

/** A symbol taken over from another collector (SHARD_MODE=lease) is reset and warmed in every timeframe, not only 1m. */
export function withTimeframes(analytics: ShardAnalytics, timeframes: TimeframeEngines | TimeframeThread | undefined, retentionMs: number): ShardAnalytics {
  if (!timeframes) return analytics;
  return {
    reset: (spec) => {
      analytics.reset(spec);
      timeframes.reset(spec);
    },
    warm: async (specs, history, window, logger) => {
      await analytics.warm(specs, history, window, logger);
      if (timeframes instanceof TimeframeEngines) await warmTimeframes(timeframes, specs, history, window, logger, retentionMs);
      else {
        // The thread's engines are warmed in-process, where history and Redis are read, then moved over.
        const local = timeframes.localStage(specs);
        await warmTimeframes(local, specs, history, window, logger, retentionMs);
        await timeframes.load(local, specs);
      }
    },
  };
}
