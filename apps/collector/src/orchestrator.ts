import { HEARTBEAT_TTL_SECONDS, floorTo, isMarketOpen, type Bar, type SymbolSpec } from '@marketpipe/core';
import type { FetchRange } from './providers/types';
import type { AnalyticsStage, BarSource, Clocks, HistorySink, SourceResult, TimeframeStage } from './ports';
import type { WindowReplicator } from './redis/window-replicator';
import { HistoryBufferFullError, HistoryRefusedError } from './history/libsql-history-store';
import type { CollectorMetrics } from './metrics';
import type { Logger } from './logger';
import { mapBounded } from './concurrency';
import { BarIngest, newCursor, type Accepted, type SymbolCursor } from './ingest';
import { CycleWriter, addTo, emptyWrite, type Committed, type CycleWriterDeps } from './cycle-writer';

const MINUTE = 60_000;
/** how far back one live poll may reach for minutes the collector has not seen */
const MAX_CATCH_UP_MS = 60 * MINUTE;
/**
 * Changed engine states ride along with every cycle's write, at most 1/STATE_SAVE_CYCLES of the
 * symbols per stage per cycle: a minute boundary makes every engine dirty at once, and encoding
 * all their states in one cycle cost 200 ms at 5,000 symbols. Each is saved within this many
 * cycles (seconds) of its change, well inside the minute before the next one; a restart
 * replays from history whatever its saved state lacks.
 * A cycle that committed finals for more symbols than that share leaves the states to the next
 * cycle (never two in a row): it is the minute boundary, the slowest cycle of the minute, and
 * the engines it just made dirty have twenty seconds to be saved in.
 */
const STATE_SAVE_CYCLES = 20;

export interface OrchestratorDeps {
  specs: readonly SymbolSpec[];
  source: BarSource;
  replicator: WindowReplicator;
  history: HistorySink;
  clocks: Clocks;
  metrics: CollectorMetrics;
  logger: Logger;
  collectorId: string;
  version: string;
  concurrency: number;
  analytics?: AnalyticsStage;
  /** the higher timeframes, fed the same committed 1m bars */
  timeframes?: TimeframeStage;
  /** last final bar already stored per symbol */
  lastFinal: ReadonlyMap<string, Bar>;
  /** in-session gaps up to this many minutes are filled with flat bars (core fillGaps policy) */
  maxFillBars?: number;
  /** called after bars were buffered for history (the flusher watches the buffer) */
  onBuffered?: () => void;
}

export interface CycleReport {
  cycle: number;
  finals: number;
  formingChanged: number;
  rejects: number;
  failedSymbols: string[];
  /** false when the cycle's Redis write was skipped or failed (Redis down); history has its bars */
  redisWritten: boolean;
  durationMs: number;
}

export interface RangeReport {
  provider: string | null;
  finals: Bar[];
  rejects: number;
}

/**
 * The data engine. Live polling and history catch-up share one ingest path (BarIngest) and one
 * commit order: final bars go to the history buffer first (the record); only then do the
 * symbol's cursor and its feature engine advance; the Redis write (a cache) comes last and may
 * fail without losing anything, since the replicator refills the window from history.
 */
export class Orchestrator {
  readonly #cursors: SymbolCursor[];
  readonly #bySymbol = new Map<string, SymbolCursor>();
  /**
   * Each symbol's request, rewritten every cycle: new ones lived through the whole cycle, long
   * enough to be promoted out of the young generation (10,000 objects a second at 5,000 symbols).
   */
  readonly #asks = new Map<SymbolCursor, { spec: SymbolSpec; range: FetchRange }>();
  readonly #ingest: BarIngest;
  #cycle = 0;
  /** the last cycle left its state saves to this one */
  #statesDeferred = false;
  /** final bars accepted per provider since last counted: one counter increment per provider, not per symbol */
  readonly #acceptedBy = new Map<string, number>();
  /** wall time a provider last served each symbol (start time until one has) */
  readonly #servedAt = new Map<string, number>();
  /** symbols whose fetch threw: logged when it starts and when it stops, not every cycle */
  readonly #fetchFailing = new Set<string>();
  readonly #gauges = new Map<string, { open: { set(v: number): void }; age: { set(v: number): void } }>();
  /** the latency histogram's child per signal interval, made at start so each is exported (at 0) before its first signal */
  readonly #latency: CycleWriterDeps['latency'];

  constructor(private readonly deps: OrchestratorDeps) {
    this.#cursors = deps.specs.map((spec) => newCursor(spec, deps.lastFinal.get(spec.symbol) ?? null));
    for (const c of this.#cursors) this.#bySymbol.set(c.spec.symbol, c);
    for (const c of this.#cursors) this.#servedAt.set(c.spec.symbol, deps.clocks.wall.now());
    this.#latency = {
      oneMinute: deps.metrics.signalSeconds.labels({ interval: '1m' }),
      higher: (deps.timeframes?.featureIntervals ?? []).map((interval) => deps.metrics.signalSeconds.labels({ interval })),
    };
    deps.metrics.onCollectFreshness = () => this.#observeFreshness(deps.clocks.market.now());
    this.#ingest = new BarIngest({ metrics: deps.metrics, ...(deps.maxFillBars !== undefined ? { maxFillBars: deps.maxFillBars } : {}) });
  }

  get cycle(): number {
    return this.#cycle;
  }

  /** ts of the last committed final bar of a symbol (null: none yet) */
  cursor(symbol: string): number | null {
    const ts = this.#bySymbol.get(symbol)?.lastFinalTs;
    return ts !== undefined && Number.isFinite(ts) ? ts : null;
  }

  /** Starts collecting a symbol after `lastFinal` (a shard lease taken over); the next heartbeat lists it. */
  addSymbol(spec: SymbolSpec, lastFinal: Bar | null): void {
    if (this.#bySymbol.has(spec.symbol)) return;
    const cursor = newCursor(spec, lastFinal);
    this.#cursors.push(cursor);
    this.#bySymbol.set(spec.symbol, cursor);
    this.#servedAt.set(spec.symbol, this.deps.clocks.wall.now());
  }

  /** Stops collecting a symbol (its lease is gone); its freshness gauges go with it. */
  removeSymbol(symbol: string): void {
    const cursor = this.#bySymbol.get(symbol);
    if (!cursor) return;
    this.#cursors.splice(this.#cursors.indexOf(cursor), 1);
    this.#bySymbol.delete(symbol);
    this.#asks.delete(cursor);
    this.#servedAt.delete(symbol);
    this.#fetchFailing.delete(symbol);
    if (this.#gauges.delete(symbol)) {
      this.deps.metrics.marketOpen.remove({ symbol });
      this.deps.metrics.dataAge.remove({ symbol });
    }
  }

  async runCycle(): Promise<CycleReport> {
    const { deps } = this;
    const started = performance.now();
    const endTimer = deps.metrics.cycleSeconds.startTimer();
    const now = deps.clocks.market.now();
    const currentMinute = floorTo(now, MINUTE);
    const cycle = ++this.#cycle;
    const writer = new CycleWriter({ replicator: deps.replicator, latency: this.#latency, ...(deps.timeframes ? { timeframes: deps.timeframes } : {}) }, deps.clocks.wall.now());
    const seen: string[] = [];
    const failedSymbols: string[] = [];
    let rejects = 0;

    const cursors = this.#cursors.slice();
    const ranges = cursors.map((cursor) => {
      // With no history at all (backfill off or impossible) start from the live minute.
      if (!Number.isFinite(cursor.lastFinalTs)) cursor.lastFinalTs = currentMinute - MINUTE;
      const ask = this.#asks.get(cursor) ?? this.#asks.set(cursor, { spec: cursor.spec, range: { from: 0, to: 0 } }).get(cursor)!;
      ask.range.from = Math.max(cursor.lastFinalTs + MINUTE, currentMinute - MAX_CATCH_UP_MS);
      ask.range.to = now;
      return ask;
    });
    const take = (cursor: SymbolCursor, result: SourceResult | null, error?: unknown): void => {
      const { symbol } = cursor.spec;
      if (!result) {
        this.#fetchFailed(symbol, error);
        failedSymbols.push(symbol);
        return;
      }
      const arrived = performance.now();
      if (this.#fetchFailing.delete(symbol)) deps.logger.info({ symbol }, 'fetch works again');
      if (result.provider === null) failedSymbols.push(symbol);
      else {
        seen.push(symbol);
        this.#servedAt.set(symbol, deps.clocks.wall.now());
      }
      const accepted = this.#ingest.accept(cursor, result, currentMinute);
      rejects += result.rejects.length + accepted.spikes;
      const committed = this.#commit(cursor, accepted, result.provider);
      if (committed) writer.add(symbol, committed, arrived);
    };
    const { source } = deps;
    if (source.fetchEach) {
      await source.fetchEach(ranges, (i, result, error) => take(cursors[i]!, result, error), deps.concurrency);
    } else {
      await mapBounded(ranges, deps.concurrency, async ({ spec, range }, i) => {
        let result: SourceResult;
        try {
          result = await source.fetch(spec, range);
        } catch (error) {
          return take(cursors[i]!, null, error);
        }
        take(cursors[i]!, result);
      });
    }
    deps.onBuffered?.();
    this.#countAccepted();

    const stateBudget = Math.ceil(this.#cursors.length / STATE_SAVE_CYCLES);
    const deferStates = writer.finals > stateBudget && !this.#statesDeferred;
    this.#statesDeferred = deferStates;
    const stateLimit = deferStates ? 0 : stateBudget;
    const closing = {
      seen: { symbols: seen, at: deps.clocks.wall.now() },
      heartbeat: {
        collectorId: deps.collectorId,
        ttlSeconds: HEARTBEAT_TTL_SECONDS,
        value: { at: deps.clocks.wall.now(), cycle, version: deps.version, symbols: this.#cursors.map((c) => c.spec.symbol) },
      },
      ...(deps.analytics ? { states: deps.analytics.takeStates(stateLimit) } : {}),
    };
    const endRedis = deps.metrics.redisWriteSeconds.startTimer();
    let redisWritten: boolean;
    try {
      redisWritten = await writer.close(closing, stateLimit);
    } catch (error) {
      writer.observeLatencies();
      throw error;
    }
    endRedis();
    deps.metrics.cycles.inc();
    endTimer();
    const durationMs = performance.now() - started;
    writer.observeLatencies();
    return { cycle, finals: writer.finals, formingChanged: writer.forming, rejects, failedSymbols, redisWritten, durationMs };
  }

  /**
   * One range of one symbol's history through the same path as live bars (start-up catch-up,
   * bootstrap): the chain in history mode, the same ingest and commit order, then the window.
   */
  async ingestRange(symbol: string, range: FetchRange): Promise<RangeReport> {
    const { deps } = this;
    const cursor = this.#bySymbol.get(symbol);
    if (!cursor) throw new RangeError(`unknown symbol ${symbol}`);
    const result = await deps.source.fetch(cursor.spec, range, { purpose: 'history' });
    const accepted = this.#ingest.accept(cursor, result, floorTo(deps.clocks.market.now(), MINUTE));
    accepted.forming = null;
    const committed = this.#commit(cursor, accepted, result.provider);
    this.#countAccepted();
    deps.onBuffered?.();
    if (committed && committed.finals.length > 0) {
      const write = emptyWrite(deps.clocks.wall.now());
      addTo(write, symbol, committed);
      if (deps.timeframes) write.higher = await deps.timeframes.take(false, { write: deps.replicator.up });
      await deps.replicator.write(write);
    }
    return { provider: result.provider, finals: committed?.finals ?? [], rejects: result.rejects.length + accepted.spikes };
  }

  #countAccepted(): void {
    for (const [provider, n] of this.#acceptedBy) this.deps.metrics.barsAccepted.inc({ provider }, n);
    this.#acceptedBy.clear();
  }

  /** Per symbol: is its market open, and how old is what the API serves for it. */
  #observeFreshness(marketNow: number): void {
    const { clocks } = this.deps;
    const wallNow = clocks.wall.now();
    // Thousands of symbols share a handful of sessions, and isMarketOpen goes through Intl.
    const openBySession = new Map<string, boolean>();
    for (const { spec } of this.#cursors) {
      const key = `${spec.session.timezone} ${spec.session.open} ${spec.session.close}`;
      let open = openBySession.get(key);
      if (open === undefined) openBySession.set(key, (open = isMarketOpen(spec.session, marketNow)));
      const gauges = this.#freshnessGauges(spec.symbol);
      gauges.open.set(open ? 1 : 0);
      gauges.age.set((wallNow - this.#servedAt.get(spec.symbol)!) / 1000);
    }
  }

  /** The per-symbol gauge children, made once: labelling by object on every cycle costs a hash per call. */
  #freshnessGauges(symbol: string) {
    let g = this.#gauges.get(symbol);
    if (!g) this.#gauges.set(symbol, (g = { open: this.deps.metrics.marketOpen.labels({ symbol }), age: this.deps.metrics.dataAge.labels({ symbol }) }));
    return g;
  }

  #fetchFailed(symbol: string, error: unknown): void {
    if (this.#fetchFailing.has(symbol)) return void this.deps.logger.debug({ symbol, cause: String(error) }, 'fetch failed');
    this.#fetchFailing.add(symbol);
    this.deps.logger.warn({ err: error, symbol }, 'fetch failed');
  }

  /**
   * Hands the finals to history; when only some fit, the oldest that fit are taken (the cursor
   * then stops after them and the forming bar waits). False when none could be buffered.
   */
  #buffer(accepted: Accepted): boolean {
    try {
      this.deps.history.add(accepted.finals);
      return true;
    } catch (error) {
      if (!(error instanceof HistoryRefusedError)) throw error;
      const room = error instanceof HistoryBufferFullError ? error.room : 0;
      if (room === 0) return false;
      accepted.finals = accepted.finals.slice(0, room);
      accepted.forming = null;
      this.deps.history.add(accepted.finals);
      return true;
    }
  }

  /** Buffer for history, then advance the cursor and the engine; null when history refused (buffer full). */
  #commit(cursor: SymbolCursor, accepted: Accepted, provider: string | null): Committed | null {
    const { deps } = this;
    if (accepted.finals.length > 0) {
      const offered = accepted.finals.length;
      if (!this.#buffer(accepted)) {
        // Not accepted: the cursor stays, so the same minutes are asked for again once there is room.
        deps.metrics.historyRefused.inc(offered);
        return null;
      }
      if (accepted.finals.length < offered) deps.metrics.historyRefused.inc(offered - accepted.finals.length);
      if (provider) this.#acceptedBy.set(provider, (this.#acceptedBy.get(provider) ?? 0) + accepted.finals.length);
    }
    this.#ingest.advance(cursor, accepted);
    if (accepted.finals.length === 0 && !accepted.forming) return { finals: [], forming: null, higherSignals: false };
    const wallNow = deps.clocks.wall.now();
    const out = deps.analytics?.update(cursor.spec, accepted.finals, accepted.forming, wallNow);
    const higherSignals = deps.timeframes?.update(cursor.spec, accepted.finals, accepted.forming, wallNow) ?? false;
    return { finals: accepted.finals, forming: accepted.forming, higherSignals, ...out && { features: out.features, signal: out.signal } };
  }
}
