import type { Bar, Clock, Heartbeat, ProviderName, Reject, SymbolSpec } from '@marketpipe/core';
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
}

/** What the analytics stage (features, signals) makes of a symbol's new bars. */
export interface AnalyticsOutput {
  features?: Uint8Array;
  signal?: Uint8Array;
}

export interface AnalyticsStage {
  update(spec: SymbolSpec, finals: readonly Bar[], forming: Bar | null, wallNow: number): AnalyticsOutput;
  /** encoded committed engine state of the symbols changed since the last call */
  takeStates(): Map<string, Uint8Array>;
  /** encoded committed engine state of every symbol (a Redis refill) */
  allStates(): Map<string, Uint8Array>;
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
}

/** The hot window (Redis): a cache of the record that can be rebuilt from history. */
export interface HotWindow {
  writeCycle(w: CycleWrite): Promise<void>;
  /** ts of the newest final bar held per symbol (null: none) — one round trip */
  lastFinalTs(symbols: readonly string[]): Promise<Map<string, number | null>>;
  /** final bars of one symbol with ts in [from, to] */
  finals(symbol: string, from?: number, to?: number): Promise<Bar[]>;
  loadStates(symbols: readonly string[]): Promise<Map<string, Uint8Array>>;
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
