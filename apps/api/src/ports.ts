import type { ApiKeyRecord, Bar, Features, Heartbeat as StoredHeartbeat, Interval, Signal, SymbolSpec } from '@marketpipe/core';

export type { ApiKeyRecord };

/** A collector's liveness record (`md:v1:collector:{id}:heartbeat`, core's contract), with its id. */
export interface Heartbeat extends StoredHeartbeat {
  id: string;
}

export interface BarsSnapshot {
  /** oldest first; the forming bar, when there is one, last */
  bars: Bar[];
  /** when the collector last polled this symbol successfully; null if unknown */
  updatedAt: number | null;
}

/** A latest value of one symbol, with when the collector last polled that symbol. */
export interface Latest<T> {
  symbol: string;
  value: T;
  updatedAt: number | null;
}

/**
 * Every symbol's signal of one interval, or word that nothing changed since `known`: the
 * version is the collector's write counter (`md:v1:version`), null when nothing stamps one.
 */
export type SignalsRead = { unchanged: true; version: string } | { unchanged: false; version: string | null; signals: Latest<Signal>[] };

/** Read side of the Redis layout (docs/architecture.md §4); one round trip per call where possible. */
export interface MarketDataReader {
  /** the symbol specs the collectors publish; empty before any collector has started */
  symbols(): Promise<SymbolSpec[]>;
  /** the last `limit` bars including the forming one */
  bars(symbol: string, interval: Interval, limit: number): Promise<BarsSnapshot>;
  heartbeats(): Promise<Heartbeat[]>;
  /** latest `interval` features of each symbol that has some; symbols without any are left out */
  features(symbols: readonly string[], interval: Interval): Promise<Latest<Features>[]>;
  /** latest `interval` signals of the given symbols */
  signals(interval: Interval, symbols: readonly string[]): Promise<Latest<Signal>[]>;
  /**
   * One round trip: only the version while it is still `known`, else the version and every
   * symbol's `interval` signal and last-seen time
   */
  signalsSince(interval: Interval, known: string | null): Promise<SignalsRead>;
  /** the intervals that features (or signals) are stored for now, base first; empty before any collector wrote some */
  computedIntervals(kind: 'features' | 'signals'): Promise<Interval[]>;
  /** one round trip that reads nothing (PING): the benchmark's floor */
  ping(): Promise<void>;
}

/** API keys by the hex SHA-256 of the key; the keys themselves are never stored. */
export interface ApiKeyStore {
  find(keyHash: string): Promise<ApiKeyRecord | null>;
}

export interface RateLimitDecision {
  success: boolean;
  limit: number;
  remaining: number;
  /** ms since epoch when the window resets */
  reset: number;
}

export interface RateLimiter {
  limit(identifier: string): Promise<RateLimitDecision>;
}

export interface ApiPorts {
  market: MarketDataReader;
  apiKeys: ApiKeyStore;
  rateLimiter: RateLimiter;
}

/** Who made the request; null for an anonymous request when auth is optional. */
export interface Caller {
  keyHash: string;
  name: string;
}

/** Hono's environment for this app: what middleware hands to routes, and routes to middleware. */
export interface AppEnv {
  Variables: {
    caller: Caller | null;
    /** what the response's data is a version of (`setVersion`), for the ETag middleware */
    version?: string;
  };
}
