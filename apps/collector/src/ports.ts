import type { Bar, Clock, Heartbeat, Interval, ProviderName, Reject, SymbolSpec } from '@marketpipe/core';
import type { FetchRange } from './providers/types';

/**
 * The small interfaces the data engine (orchestrator, ingest, replication) depends on. The
 * real adapters are RedisBarWindow, LibsqlHistoryStore and ProviderChain; tests pass fakes
 * that fail on demand, so the ordering rules are checked without any I/O.
 */

export interface SourceResult {
  provider: ProviderName | null;
  bars: Bar[];
  rejects: Reject[];
}

/** What a fetch is for: `history` asks only providers that serve history, and skips live pacing. */
export type FetchPurpose = 'live' | 'history';

/**
 * Where bars come from: the provider chain (priority, fallback, breakers, quotas). Its bars
 * are already validated, and it has already counted its rejects in the metrics; `rejects`
 * is what it refused, for the report.
 */
export interface BarSource {
  fetch(spec: SymbolSpec, range: FetchRange, opts?: { purpose?: FetchPurpose }): Promise<SourceResult>;
  /**
   * A live poll of many symbols at once, at most `concurrency` requests in flight (a batch of
   * symbols is one), each answer handed to `deliver` (with its index) as it arrives; resolves
   * once every one was. For a source that batches: one `fetch` per symbol made a promise, a
   * closure and an async frame per symbol and cycle, thousands of which a scavenge caught in
   * flight and promoted.
   */
  fetchEach?(items: readonly { spec: SymbolSpec; range: FetchRange }[], deliver: DeliverResult, concurrency: number): Promise<void>;
}

/** One symbol's answer to `fetchEach`: its result, or null and why it failed. */
export type DeliverResult = (index: number, result: SourceResult | null, error?: unknown) => void;

/** What the analytics stage (features, signals) makes of a symbol's new bars. */
export interface AnalyticsOutput {
  features?: Uint8Array;
  signal?: Uint8Array;
}

export interface AnalyticsStage {
  update(spec: SymbolSpec, finals: readonly Bar[], forming: Bar | null, wallNow: number): AnalyticsOutput;
  /** encoded committed engine state of the symbols changed since they were last taken, at most `limit` (longest waiting first) */
  takeStates(limit?: number): Map<string, Uint8Array>;
  /** encoded committed engine state of every symbol (a Redis refill) */
  allStates(): Map<string, Uint8Array>;
  /** the features and signal of every symbol that has shown any, computed now (a Redis refill) */
  latest(wallNow: number): { features: Map<string, Uint8Array>; signals: Map<string, Uint8Array> };
}

/** A higher timeframe's interval (1m is the base the others are resampled from). */
export type HigherInterval = Exclude<Interval, '1m'>;

/**
 * The higher timeframes (docs/architecture.md §4): each symbol's 1m bars resampled per interval,
 * and an incremental FeatureEngine per symbol for the feature intervals. Its output collects
 * between `take` calls, so the orchestrator's per-symbol path allocates nothing for it.
 */
export interface TimeframeStage {
  /** the intervals whose bars are kept, and those of them with features and signals */
  readonly barIntervals: readonly HigherInterval[];
  readonly featureIntervals: readonly HigherInterval[];
  /** feeds a symbol's newly committed 1m finals and its forming bar; true when it made a signal for every feature interval */
  update(spec: SymbolSpec, finals: readonly Bar[], forming: Bar | null, wallNow: number): boolean;
  /**
   * what the updates since the last call made, per interval; with the changed engine states when `states` (a number: at most
   * that many per interval). A promise when another thread computes them (TimeframeThread): takes resolve in call order.
   */
  take(states: boolean | number, opts?: TakeOptions): HigherWrites | Promise<HigherWrites>;
  /** every engine's state, per interval (a refill, shutdown) */
  allStates(): HigherWrites | Promise<HigherWrites>;
  /** the forming bar, features and signal each symbol shows now, per interval (a refill) */
  latest(wallNow: number): HigherWrites | Promise<HigherWrites>;
}

export type HigherWrites = Map<HigherInterval, IntervalWrite>;

export interface TakeOptions {
  /** false while Redis is down (the replicator skips writes): a stage that writes its own part then skips it too */
  write?: boolean;
}

/** What one higher interval adds to a cycle's write: the same kinds of values as the 1m fields, under its own keys. */
export interface IntervalWrite {
  finals: Bar[];
  forming: Bar[];
  features: Map<string, Uint8Array>;
  signals: Map<string, Uint8Array>;
  states?: Map<string, Uint8Array>;
  /**
   * Set when the timeframe thread wrote this interval to Redis itself (the fields above are
   * then empty), with the error when that write failed: the cycle's write
   * then fails too, so the replicator refills the window.
   */
  sentByThread?: { error?: Error };
}

/** Everything one cycle writes to the hot window; all of it goes out as one pipeline. */
export interface CycleWrite {
  forming: Bar[];
  finals: Bar[];
  features: Map<string, Uint8Array>;
  signals: Map<string, Uint8Array>;
  /** symbols polled successfully this cycle, and when (wall time) */
  seen: { symbols: readonly string[]; at: number };
  heartbeat?: { collectorId: string; value: Heartbeat; ttlSeconds: number };
  /** engine states to persist with this write */
  states?: Map<string, Uint8Array>;
  /** symbol specs to publish with this write */
  specs?: readonly SymbolSpec[];
  /** the higher timeframes' bars, features, signals and states (the fields above are 1m's) */
  higher?: ReadonlyMap<HigherInterval, IntervalWrite>;
  /** a part of a cycle sent as its symbols arrive: only the cycle's closing write bumps the version readers watch */
  partial?: boolean;
}

/** What a window holds of one symbol's final bars of one interval. */
export interface FinalSpan {
  first: number;
  last: number;
  count: number;
}

/** The hot window (Redis): a cache of the record that can be rebuilt from history. */
export interface HotWindow {
  writeCycle(w: CycleWrite): Promise<void>;
  /** ts of the newest final bar of `interval` (default 1m) held per symbol (null: none) — one round trip */
  lastFinalTs(symbols: readonly string[], interval?: Interval): Promise<Map<string, number | null>>;
  /** ts of the oldest and newest final bar of `interval` held per symbol, and how many (null: none) — one round trip */
  finalSpan(symbols: readonly string[], interval: Interval): Promise<Map<string, FinalSpan | null>>;
  /** final bars of one symbol with ts in [from, to] */
  finals(symbol: string, from?: number, to?: number, interval?: Interval): Promise<Bar[]>;
  /** persisted engine states of `interval`'s engines (default 1m) */
  loadStates(symbols: readonly string[], interval?: Interval): Promise<Map<string, Uint8Array>>;
  /** a cheap check that the window answers */
  ping(): Promise<void>;
}

/** The record (libSQL): final bars are buffered, then flushed in one transaction. */
export interface HistorySink {
  /** queues final bars; throws a HistoryRefusedError (nothing queued) when full or sealed for shutdown */
  add(bars: readonly Bar[]): void;
  readonly pending: number;
  flush(): Promise<number>;
  lastTs(symbol: string): Promise<number | null>;
  lastBar(symbol: string): Promise<Bar | null>;
  /** final bars of a symbol with ts in [from, to], oldest first, flushed and still buffered */
  range(symbol: string, from: number, to: number): Promise<Bar[]>;
  /** the newest `limit` bars of a symbol with ts > `after`, oldest first, flushed and still buffered */
  recent(symbol: string, limit: number, after?: number): Promise<Bar[]>;
}

/** Market time (the sim's scaled clock in tests and the demo) and wall time, named apart. */
export interface Clocks {
  /** decides minutes, finality and what is asked of providers */
  market: Clock;
  /** stamps heartbeats, last-seen times and feature ages */
  wall: Clock;
}
