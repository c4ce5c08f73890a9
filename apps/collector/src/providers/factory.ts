import type { ProviderName } from '@marketpipe/core';
import type { CollectorConfig } from '../config';
import type { Logger } from '../logger';
import { AlphaVantageFetcher } from './alphavantage';
import { PolygonAggsFetcher } from './polygon';
import { TwelveDataFetcher } from './twelvedata';
import type { BarFetcher } from './types';
import { YahooChartFetcher } from './yahoo';

export type FetcherConfig = Pick<
  CollectorConfig,
  | 'PROVIDERS'
  | 'PROVIDER_TIMEOUT_MS'
  | 'YAHOO_BASE_URL'
  | 'ALPHAVANTAGE_BASE_URL'
  | 'ALPHAVANTAGE_API_KEY'
  | 'TWELVEDATA_BASE_URL'
  | 'TWELVEDATA_API_KEY'
  | 'TWELVEDATA_BATCH_SYMBOLS'
  | 'SYMBOLS'
  | 'POLYGON_BASE_URL'
  | 'POLYGON_API_KEY'
>;

export interface FetcherDeps {
  logger?: Logger;
  /** the collector's clock (sim time in tests) decides which bars are final */
  now?: () => number;
}

function build(name: ProviderName, config: FetcherConfig, now: () => number): BarFetcher | string {
  const timeoutMs = config.PROVIDER_TIMEOUT_MS;
  switch (name) {
    case 'yahoo':
      return new YahooChartFetcher({ baseUrl: config.YAHOO_BASE_URL, timeoutMs, now });
    case 'alphavantage':
      if (!config.ALPHAVANTAGE_API_KEY) return 'ALPHAVANTAGE_API_KEY is not set';
      return new AlphaVantageFetcher({ baseUrl: config.ALPHAVANTAGE_BASE_URL, apiKey: config.ALPHAVANTAGE_API_KEY, timeoutMs, now });
    case 'twelvedata':
      if (!config.TWELVEDATA_API_KEY) return 'TWELVEDATA_API_KEY is not set';
      return new TwelveDataFetcher({
        baseUrl: config.TWELVEDATA_BASE_URL,
        apiKey: config.TWELVEDATA_API_KEY,
        timeoutMs,
        now,
        batchSymbols: config.TWELVEDATA_BATCH_SYMBOLS,
        // every batch of a cycle in flight at once: queued behind each other they would add a round trip each
        batchConnections: Math.max(16, Math.ceil(config.SYMBOLS.length / config.TWELVEDATA_BATCH_SYMBOLS)),
      });
    case 'polygon':
      if (!config.POLYGON_API_KEY) return 'POLYGON_API_KEY is not set';
      return new PolygonAggsFetcher({ baseUrl: config.POLYGON_BASE_URL, apiKey: config.POLYGON_API_KEY, timeoutMs, now });
    case 'sim':
      return 'sim is added by the collector itself';
  }
}

/**
 * The HTTP fetchers enabled by PROVIDERS, in that priority order. A keyed provider without
 * its key is skipped (logged), never constructed; `sim` is left to the caller.
 */
export function createFetchers(config: FetcherConfig, deps: FetcherDeps = {}): BarFetcher[] {
  const now = deps.now ?? Date.now;
  const fetchers: BarFetcher[] = [];
  for (const name of config.PROVIDERS) {
    const built = build(name, config, now);
    if (typeof built === 'string') {
      if (name !== 'sim') deps.logger?.warn({ provider: name }, `provider skipped: ${built}`);
      continue;
    }
    fetchers.push(built);
  }
  return fetchers;
}
