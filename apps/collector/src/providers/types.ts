import type { Bar, Interval, ProviderName, Reject, RejectReason, SymbolSpec } from '@marketpipe/core';

/** What one fetch returned: bars that parsed (not yet validated) and what was refused while parsing. */
export interface FetchResult {
  bars: Bar[];
  rejects: Reject[];
  /** bars the provider sent outside the range asked for, left out (reported by `marketpipe fetch`) */
  outside?: Bar[];
}

export interface FetchRange {
  /** earliest bar open time wanted (ms, inclusive) */
  from: number;
  /** latest bar open time wanted (ms, inclusive) */
  to: number;
  /** resolution wanted; 1m when absent (only a bootstrap asks a coarser one, where 1m is out of reach) */
  interval?: Interval;
}

/**
 * A market data provider adapter. It translates the canonical symbol to its own, fetches
 * 1m bars, and parses them with a schema. It throws ProviderError on transport, HTTP or
 * payload-level failure; bars it returns carry `source` = its name, `final` = false only
 * for the bar of the current minute.
 */
export interface BarFetcher {
  readonly name: ProviderName;
  /** false when the provider has no mapping for the symbol */
  supports(spec: SymbolSpec): boolean;
  fetchBars(spec: SymbolSpec, range: FetchRange, signal?: AbortSignal): Promise<FetchResult>;
  /** how far back this provider serves 1m history (ms); 0 if it serves none */
  readonly historyLimitMs: number;
  /** releases pooled connections; optional so simple fetchers (sim) need not implement it */
  close?(): Promise<void>;
  /** set when the provider answers many symbols in one request: ProviderChain.fetchEach then asks it in batches */
  readonly batch?: BatchRequester;
}

/** One symbol's share of a batch request. */
export interface BatchItem {
  spec: SymbolSpec;
  range: FetchRange;
}

/** A provider's multi-symbol request (Twelve Data's comma-separated `symbol` list). */
export interface BatchRequester {
  /** symbols per request */
  readonly size: number;
  /**
   * One request for all `items`: per symbol (by its canonical name) its parsed bars, cut to its
   * own range and not yet validated, or its own error. Throws ProviderError when the whole
   * request failed (transport, HTTP status, a top-level error body).
   */
  fetch(items: readonly BatchItem[], signal?: AbortSignal): Promise<Map<string, FetchResult | ProviderError>>;
}

export type ProviderErrorCode = Extract<RejectReason, 'provider_error' | 'rate_limited' | 'parse_error' | 'wrong_interval'>;

/** A payload at another resolution than the 1m asked for: rejected whole, never stored as 1m bars. */
export function wrongInterval(provider: ProviderName, declared: string, asked: Interval = '1m'): ProviderError {
  return new ProviderError('wrong_interval', provider, `payload holds ${declared} bars, ${asked} was asked for`);
}

export class ProviderError extends Error {
  constructor(
    readonly code: ProviderErrorCode,
    readonly provider: ProviderName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${provider}: ${message}`, options);
    this.name = 'ProviderError';
  }
}
