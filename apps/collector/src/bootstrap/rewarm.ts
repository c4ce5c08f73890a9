import type { Bar, SymbolSpec } from '@marketpipe/core';
import type { Logger } from '../logger';
import type { HistorySink } from '../ports';
import type { ShardAnalytics } from '../shard/shard-coordinator';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** History read per step: ~5,000 1m bars, about 85 ms through the store on a loaded 2-core machine (90 days took 2.2 s in one read). */
const SLICE_MS = 5_000 * MINUTE;

/** Engines rebuilt from history between cycles, in steps of bounded cost. */
export interface Rewarm {
  /** queues symbols for a rebuild (unknown ones are ignored; a queued one is not queued twice) */
  queue(symbols: readonly string[]): void;
  /** one step: a slice of a symbol's history read, or its engines rebuilt from what was read; the caller runs it between cycles, never beside one */
  step(): Promise<void>;
  readonly pending: number;
}

interface Reading {
  spec: SymbolSpec;
  bars: Bar[];
  next: number;
  end: number;
}

/**
 * After `run`'s background bootstrap, history reaches RETENTION_DAYS back, but the engines were
 * warmed at start from the little it held then (BACKFILL_HOURS), and their persisted states
 * carry that short start into every later restart: a 1h or 1d engine would take weeks of live
 * bars to warm. Each queued symbol's engines (1m and every timeframe) are reset and rebuilt
 * from history alone (no persisted state), as a takeover does; the next cycle persists them.
 *
 * Steps run on the collector's loop between cycles, so a cycle never sees a half-built engine.
 * Reading a symbol's 90 days at once would hold one cycle back ~2 s, so the history is read a
 * slice per step into memory, and the last step rebuilds the engines from it (plus the few bars
 * committed meanwhile) in one go.
 */
export function createRewarm(deps: {
  specs: readonly SymbolSpec[];
  analytics: ShardAnalytics;
  history: HistorySink;
  logger: Logger;
  /** how far back the engines are rebuilt from (RETENTION_DAYS) */
  retentionMs: number;
  /** whether the cycle collects the symbol now (lease mode: one being taken over is warmed by its takeover, not here) */
  collecting: (symbol: string) => boolean;
}): Rewarm {
  const bySymbol = new Map(deps.specs.map((s) => [s.symbol, s]));
  const queued = new Set<string>();
  let reading: Reading | null = null;
  let rebuilt = 0;

  async function start(): Promise<void> {
    const [symbol] = queued;
    if (symbol === undefined) return;
    queued.delete(symbol);
    const end = deps.collecting(symbol) ? await deps.history.lastTs(symbol) : null;
    // The daily bucket that holds the window's first bar may start up to a day before it.
    if (end !== null) reading = { spec: bySymbol.get(symbol)!, bars: [], next: end - deps.retentionMs - DAY, end };
  }

  async function rebuild(r: Reading): Promise<void> {
    reading = null;
    if (!deps.collecting(r.spec.symbol)) return;
    const started = performance.now();
    const bars = [...r.bars, ...(await deps.history.range(r.spec.symbol, r.end + 1, Number.MAX_SAFE_INTEGER))];
    deps.analytics.reset(r.spec);
    await deps.analytics.warm([r.spec], memoryHistory(r.spec.symbol, bars), null, deps.logger);
    rebuilt++;
    deps.logger.debug({ symbol: r.spec.symbol, bars: bars.length, ms: Math.round(performance.now() - started) }, 'engines re-warmed from history');
    if (queued.size === 0) deps.logger.info({ symbols: rebuilt }, 'engines re-warmed from the bootstrapped history');
  }

  return {
    queue(symbols) {
      for (const s of symbols) if (bySymbol.has(s)) queued.add(s);
    },
    async step() {
      if (!reading) return start();
      if (reading.next > reading.end) return rebuild(reading);
      const to = Math.min(reading.next + SLICE_MS - 1, reading.end);
      for (const bar of await deps.history.range(reading.spec.symbol, reading.next, to)) reading.bars.push(bar);
      reading.next = to + 1;
    },
    get pending() {
      return queued.size + (reading ? 1 : 0);
    },
  };
}

/** One symbol's bars, oldest first, as the read-only history a warm asks. */
function memoryHistory(symbol: string, bars: readonly Bar[]): HistorySink {
  const at = (ts: number) => {
    let lo = 0;
    let hi = bars.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (bars[mid]!.ts < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const mine = (s: string) => s === symbol;
  return {
    add: () => {
      throw new Error('a re-warm only reads history');
    },
    pending: 0,
    flush: async () => 0,
    lastTs: async (s) => (mine(s) ? (bars.at(-1)?.ts ?? null) : null),
    lastBar: async (s) => (mine(s) ? (bars.at(-1) ?? null) : null),
    range: async (s, from, to) => (mine(s) ? bars.slice(at(from), at(to + 1)) : []),
    recent: async (s, limit, after = Number.NEGATIVE_INFINITY) => (mine(s) ? bars.slice(Math.max(at(after + 1), bars.length - limit)) : []),
  };
}
