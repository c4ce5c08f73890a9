import type { Bar, Clock, ProviderName, Reject, SymbolSpec } from '@marketpipe/core';
import { SpikeGuard, fillGaps, floorTo } from '@marketpipe/core';
import type { FetchRange } from './providers/types';
import type { RedisBarWindow } from './redis/redis-bar-window';
import type { LibsqlHistoryStore } from './history/libsql-history-store';
import type { CollectorMetrics } from './metrics';
import type { Logger } from './logger';
import { mapBounded } from './concurrency';

const MINUTE = 60_000;
/** how far back one poll may reach for minutes the collector has not seen */
const MAX_CATCH_UP_MS = 60 * MINUTE;

export interface SourceResult {
  provider: ProviderName | null;
  bars: Bar[];
  rejects: Reject[];
}

/**
 * Where bars come from: the provider chain (priority, fallback, breakers, quotas). Its bars
 * are already validated, and it has already counted its rejects in the metrics; `rejects`
 * is what it refused, for the cycle report.
 */
export interface BarSource {
  fetch(spec: SymbolSpec, range: FetchRange): Promise<SourceResult>;
}

/** What the analytics stage (features, signals) makes of a symbol's new bars. */
export interface AnalyticsOutput {
  features?: Uint8Array;
  signal?: Uint8Array;
}

export interface AnalyticsStage {
  update(spec: SymbolSpec, finals: readonly Bar[], forming: Bar | null, now: number): AnalyticsOutput;
}

interface SymbolState {
  spec: SymbolSpec;
  lastFinalTs: number;
  /** the last final bar, the base for gap filling */
  lastFinal: Bar | null;
  forming: Bar | null;
}

export interface OrchestratorDeps {
  specs: readonly SymbolSpec[];
  source: BarSource;
  window: RedisBarWindow;
  history: LibsqlHistoryStore;
  clock: Clock;
  metrics: CollectorMetrics;
  logger: Logger;
  collectorId: string;
  version: string;
  concurrency: number;
  analytics?: AnalyticsStage;
  /** last final bar already stored per symbol */
  lastFinal: ReadonlyMap<string, Bar>;
  /** in-session gaps up to this many minutes are filled with flat bars (core fillGaps policy) */
  maxFillBars?: number;
}

export interface CycleReport {
  cycle: number;
  finals: number;
  formingChanged: number;
  rejects: number;
  failedSymbols: string[];
  durationMs: number;
}

/**
 * The data engine: each cycle polls every symbol, validates, splits final from forming bars,
 * runs analytics, writes Redis in one pipeline and queues final bars for history.
 */
export class Orchestrator {
  readonly #states: SymbolState[];
  readonly #spikes = new SpikeGuard();
  #cycle = 0;

  constructor(private readonly deps: OrchestratorDeps) {
    this.#states = deps.specs.map((spec) => {
      const last = deps.lastFinal.get(spec.symbol) ?? null;
      return { spec, lastFinalTs: last?.ts ?? Number.NEGATIVE_INFINITY, lastFinal: last, forming: null };
    });
  }

  get cycle(): number {
    return this.#cycle;
  }

  async runCycle(): Promise<CycleReport> {
    const { deps } = this;
    const started = performance.now();
    const endTimer = deps.metrics.cycleSeconds.startTimer();
    const now = deps.clock.now();
    const currentMinute = floorTo(now, MINUTE);
    const cycle = ++this.#cycle;
    const finals: Bar[] = [];
    const forming: Bar[] = [];
    const features = new Map<string, Uint8Array>();
    const signals = new Map<string, Uint8Array>();
    const failedSymbols: string[] = [];
    const seen: string[] = [];
    let rejectCount = 0;

    await mapBounded(this.#states, deps.concurrency, async (state) => {
      // With no history at all (backfill off or impossible) start from the live minute.
      if (!Number.isFinite(state.lastFinalTs)) state.lastFinalTs = currentMinute - MINUTE;
      const from = Math.max(state.lastFinalTs + MINUTE, currentMinute - MAX_CATCH_UP_MS);
      let result: SourceResult;
      try {
        result = await deps.source.fetch(state.spec, { from, to: now });
      } catch (error) {
        deps.logger.warn({ err: error, symbol: state.spec.symbol }, 'fetch failed');
        failedSymbols.push(state.spec.symbol);
        return;
      }
      const fresh: Bar[] = [];
      let spikes = 0;
      for (const bar of result.bars) {
        if (bar.ts <= state.lastFinalTs || bar.ts > currentMinute) continue;
        const checked = this.#spikes.offer(bar);
        fresh.push(...checked.accepted);
        for (const r of checked.rejects) deps.metrics.rejects.inc({ reason: r.reason, provider: result.provider ?? 'none' });
        spikes += checked.rejects.length;
      }
      rejectCount += result.rejects.length + spikes;
      if (result.provider === null) failedSymbols.push(state.spec.symbol);
      else seen.push(state.spec.symbol);

      const { newFinals, newForming } = splitFresh(state, fresh, currentMinute, deps.maxFillBars ?? 60);
      const formingChanged = newForming !== null && !sameBar(newForming, state.forming);
      if (newForming) state.forming = newForming;
      else if (state.forming && state.forming.ts <= state.lastFinalTs) state.forming = null;
      if (newFinals.length === 0 && !formingChanged) return;

      finals.push(...newFinals);
      if (formingChanged && newForming) forming.push(newForming);
      if (result.provider) deps.metrics.barsAccepted.inc({ provider: result.provider }, newFinals.length);
      const out = deps.analytics?.update(state.spec, newFinals, formingChanged ? newForming : null, now);
      if (out?.features) features.set(state.spec.symbol, out.features);
      if (out?.signal) signals.set(state.spec.symbol, out.signal);
    });

    const endRedis = deps.metrics.redisWriteSeconds.startTimer();
    await deps.window.writeCycle({
      forming,
      finals,
      features,
      signals,
      seen: { symbols: seen, at: Date.now() },
      heartbeat: {
        collectorId: deps.collectorId,
        ttlSeconds: 10,
        value: { at: Date.now(), cycle, version: deps.version, symbols: this.#states.map((s) => s.spec.symbol) },
      },
    });
    endRedis();
    deps.history.add(finals);
    deps.metrics.cycles.inc();
    endTimer();
    return {
      cycle,
      finals: finals.length,
      formingChanged: forming.length,
      rejects: rejectCount,
      failedSymbols,
      durationMs: performance.now() - started,
    };
  }
}

/** Bars before the current minute are final; an in-session gap before an observed bar is filled. */
function splitFresh(
  state: SymbolState,
  fresh: readonly Bar[],
  currentMinute: number,
  maxFillBars: number,
): { newFinals: Bar[]; newForming: Bar | null } {
  const sorted = [...fresh].sort((a, b) => a.ts - b.ts);
  const base = state.lastFinal ? [state.lastFinal] : [];
  // Only gaps followed by a real bar are filled: a provider that is merely late is not overtaken.
  const filled = state.lastFinal ? fillGaps([...base, ...sorted], state.spec.session, { maxFillBars }).bars.slice(1) : sorted;
  const newFinals: Bar[] = [];
  let newForming: Bar | null = null;
  for (const bar of filled) {
    if (bar.ts <= state.lastFinalTs) continue;
    if (bar.ts < currentMinute) {
      const final = { ...bar, final: true };
      newFinals.push(final);
      state.lastFinalTs = bar.ts;
      state.lastFinal = final;
    } else if (bar.ts === currentMinute) {
      newForming = { ...bar, final: false };
    }
  }
  return { newFinals, newForming };
}

function sameBar(a: Bar, b: Bar | null): boolean {
  return (
    b !== null &&
    a.ts === b.ts &&
    a.close === b.close &&
    a.high === b.high &&
    a.low === b.low &&
    a.volume === b.volume &&
    a.open === b.open &&
    a.source === b.source
  );
}
