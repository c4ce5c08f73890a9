import { SingleBar } from 'cli-progress';
import type { Bar, SymbolSpec } from '@marketpipe/core';
import { floorTo, validateBars } from '@marketpipe/core';
import type { BarFetcher } from './providers/types';
import type { LibsqlHistoryStore } from './history/libsql-history-store';
import type { RedisBarWindow } from './redis/redis-bar-window';
import type { Logger } from './logger';
import type { CollectorMetrics } from './metrics';

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
  fetchers: readonly BarFetcher[];
  history: LibsqlHistoryStore;
  window: RedisBarWindow;
  logger: Logger;
  metrics: CollectorMetrics;
  now: number;
  lookbackMs: number;
  progress?: boolean;
}

/**
 * Fills each symbol's history from its last stored bar (or `lookbackMs` ago) to the last
 * complete minute, from the first provider that serves history for it. Written straight to
 * libSQL and the Redis window chunk by chunk, so an interrupted backfill resumes from the last
 * stored bar. Reports the coverage obtained rather than assuming it.
 */
export async function backfill(specs: readonly SymbolSpec[], deps: BackfillDeps): Promise<BackfillReport[]> {
  const lastComplete = floorTo(deps.now, MINUTE) - MINUTE;
  const reports: BackfillReport[] = [];
  const plans = await Promise.all(
    specs.map(async (spec) => {
      const last = await deps.history.lastTs(spec.symbol);
      const from = Math.max(last === null ? -Infinity : last + MINUTE, floorTo(deps.now - deps.lookbackMs, MINUTE));
      return { spec, from };
    }),
  );
  const totalMinutes = plans.reduce((n, p) => n + Math.max(0, (lastComplete - p.from) / MINUTE + 1), 0);
  const bar = deps.progress && totalMinutes > 0 ? new SingleBar({ format: 'backfill [{bar}] {percentage}% | {value}/{total} min | {symbol}' }) : null;
  bar?.start(totalMinutes, 0, { symbol: '' });
  for (const { spec, from } of plans) {
    const report: BackfillReport = { symbol: spec.symbol, provider: null, requestedFrom: from, requestedTo: lastComplete, bars: 0, rejects: 0, coveredFrom: null };
    reports.push(report);
    if (from > lastComplete) continue;
    const fetcher = deps.fetchers.find((f) => f.historyLimitMs > 0 && f.supports(spec));
    if (!fetcher) continue;
    report.provider = fetcher.name;
    const earliest = Math.max(from, floorTo(deps.now - fetcher.historyLimitMs, MINUTE));
    for (let start = earliest; start <= lastComplete; start += CHUNK_MS) {
      const end = Math.min(start + CHUNK_MS - MINUTE, lastComplete);
      try {
        const { bars, rejects } = await fetcher.fetchBars(spec, { from: start, to: end });
        const checked = validateBars(bars, { now: deps.now });
        const finals: Bar[] = checked.accepted.filter((b) => b.ts >= start && b.ts <= end).map((b) => ({ ...b, final: true }));
        await deps.history.write(finals);
        await deps.window.appendFinals(finals);
        report.bars += finals.length;
        for (const r of [...rejects, ...checked.rejects]) deps.metrics.rejects.inc({ reason: r.reason, provider: fetcher.name });
        report.rejects += rejects.length + checked.rejects.length;
        if (finals.length > 0 && report.coveredFrom === null) report.coveredFrom = finals[0]!.ts;
      } catch (error) {
        deps.logger.warn({ err: error, symbol: spec.symbol, provider: fetcher.name }, 'backfill chunk failed; continuing');
      }
      bar?.increment((end - start) / MINUTE + 1, { symbol: spec.symbol });
    }
    deps.logger.info(report, 'backfill coverage');
  }
  bar?.stop();
  return reports;
}

