import { SingleBar } from 'cli-progress';
import type { SymbolSpec } from '@marketpipe/core';
import { floorTo } from '@marketpipe/core';
import type { Orchestrator } from './orchestrator';
import type { HistoryFlusher } from './history/history-flusher';
import type { Logger } from './logger';

const MINUTE = 60_000;
/** a request for more than this is split, so progress shows and a crash resumes near where it stopped */
const CHUNK_MS = 6 * 60 * MINUTE;

export interface BackfillReport {
  symbol: string;
  provider: string | null;
  requestedFrom: number;
  requestedTo: number;
  bars: number;
  rejects: number;
  /** earliest bar obtained, or null when none */
  coveredFrom: number | null;
}

export interface BackfillDeps {
  orchestrator: Orchestrator;
  flusher: HistoryFlusher;
  logger: Logger;
  /** market time */
  now: number;
  lookbackMs: number;
  progress?: boolean;
}

/**
 * Catches each symbol up from its cursor (its last stored bar, or `lookbackMs` ago) to the last
 * complete minute, chunk by chunk, through the orchestrator's ingest path: the provider chain
 * in history mode (priority, breakers, quotas, fail-over), validation, the spike guard, gap
 * filling, the history buffer, then the window. History is flushed after every chunk, so an
 * interrupted catch-up resumes from the last stored bar. A chunk no provider could serve ends
 * that symbol's catch-up (the cursor stays before it: no hole is skipped over).
 */
export async function backfill(specs: readonly SymbolSpec[], deps: BackfillDeps): Promise<BackfillReport[]> {
  const lastComplete = floorTo(deps.now, MINUTE) - MINUTE;
  const earliest = floorTo(deps.now - deps.lookbackMs, MINUTE);
  const plans = specs.map((spec) => {
    const cursor = deps.orchestrator.cursor(spec.symbol);
    return { spec, from: Math.max(cursor === null ? -Infinity : cursor + MINUTE, earliest) };
  });
  const totalMinutes = plans.reduce((n, p) => n + Math.max(0, (lastComplete - p.from) / MINUTE + 1), 0);
  const bar = deps.progress && totalMinutes > 0 ? new SingleBar({ format: 'backfill [{bar}] {percentage}% | {value}/{total} min | {symbol}' }) : null;
  bar?.start(totalMinutes, 0, { symbol: '' });
  const reports: BackfillReport[] = [];
  for (const { spec, from } of plans) {
    const report: BackfillReport = { symbol: spec.symbol, provider: null, requestedFrom: from, requestedTo: lastComplete, bars: 0, rejects: 0, coveredFrom: null };
    reports.push(report);
    for (let start = from; start <= lastComplete; ) {
      const end = Math.min(start + CHUNK_MS - MINUTE, lastComplete);
      const chunk = await deps.orchestrator.ingestRange(spec.symbol, { from: start, to: end });
      report.rejects += chunk.rejects;
      if (chunk.provider === null) {
        deps.logger.warn({ symbol: spec.symbol, from: new Date(start).toISOString() }, 'backfill: no provider served this range; the live loop takes over from here');
        bar?.increment((lastComplete - start) / MINUTE + 1, { symbol: spec.symbol });
        break;
      }
      report.provider ??= chunk.provider;
      report.bars += chunk.finals.length;
      if (chunk.finals.length > 0) report.coveredFrom ??= chunk.finals[0]!.ts;
      await deps.flusher.flushNow();
      // A refused minute holds the cursor before it (BarIngest): ask again from there; the hold
      // lasts a few polls, then the gap policy takes over, so this ends.
      const cursor = deps.orchestrator.cursor(spec.symbol);
      const held = chunk.rejects > 0 && cursor !== null && cursor < end;
      const next = held ? Math.max(cursor + MINUTE, start + MINUTE) : end + MINUTE;
      bar?.increment((next - start) / MINUTE, { symbol: spec.symbol });
      start = next;
    }
    deps.logger.info(report, 'backfill coverage');
  }
  bar?.stop();
  return reports;
}
