import type { SymbolSpec } from '@marketpipe/core';
import type { Logger } from '../logger';
import type { HistorySink } from '../ports';
import type { ShardAnalytics } from '../shard/shard-coordinator';

/** Engines rebuilt from history between two cycles: one symbol each, so no cycle waits for more than one. */
export interface Rewarm {
  /** queues symbols for a rebuild (unknown ones are ignored; a queued one is not queued twice) */
  queue(symbols: readonly string[]): void;
  /** rebuilds the next queued symbol's engines; the caller runs it between cycles, never beside one */
  step(): Promise<void>;
  readonly pending: number;
}

/**
 * After `run`'s background bootstrap, history reaches RETENTION_DAYS back, but the engines were
 * warmed at start from the little it held then (BACKFILL_HOURS), and their persisted states
 * carry that short start into every later restart: a 1h or 1d engine would take weeks of live
 * bars to warm. Each queued symbol's engines (1m and every timeframe) are reset and rebuilt
 * from history alone (no persisted state), as a takeover does; the next cycle persists them.
 * It runs on the collector's loop between cycles: a cycle's update never sees a half-built engine.
 */
export function createRewarm(deps: {
  specs: readonly SymbolSpec[];
  analytics: ShardAnalytics;
  history: HistorySink;
  logger: Logger;
  /** whether the cycle collects the symbol now (lease mode: one being taken over is warmed by its takeover, not here) */
  collecting: (symbol: string) => boolean;
}): Rewarm {
  const bySymbol = new Map(deps.specs.map((s) => [s.symbol, s]));
  const queued = new Set<string>();
  let rebuilt = 0;
  return {
    queue(symbols) {
      for (const s of symbols) if (bySymbol.has(s)) queued.add(s);
    },
    async step() {
      const [symbol] = queued;
      if (symbol === undefined) return;
      queued.delete(symbol);
      const spec = bySymbol.get(symbol)!;
      if (!deps.collecting(symbol)) return;
      const started = performance.now();
      deps.analytics.reset(spec);
      await deps.analytics.warm([spec], deps.history, null, deps.logger);
      rebuilt++;
      deps.logger.debug({ symbol, ms: Math.round(performance.now() - started) }, 'engines re-warmed from history');
      if (queued.size === 0) deps.logger.info({ symbols: rebuilt }, 'engines re-warmed from the bootstrapped history');
    },
    get pending() {
      return queued.size;
    },
  };
}
