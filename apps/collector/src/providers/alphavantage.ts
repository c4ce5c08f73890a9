import { z } from 'zod';
import type { Bar, SymbolSpec } from '@marketpipe/core';
import { keepInRange, makeBar, num, type BarContext } from './bars';
import { HttpFetcher, type HttpFetcherOptions } from './http-fetcher';
import { localToUtc } from './localtime';
import { ProviderError, wrongInterval, type FetchRange, type FetchResult } from './types';

const Ohlc = z.object({
  '1. open': z.string(),
  '2. high': z.string(),
  '3. low': z.string(),
  '4. close': z.string(),
  '5. volume': z.string().optional(),
});

/** Keys are numbered labels whose numbers differ per function, so they are found by suffix. */
const BodySchema = z.record(z.string(), z.unknown());
const MetaSchema = z.record(z.string(), z.string());
const SeriesSchema = z.record(z.string(), Ohlc);

function pick(obj: Record<string, unknown>, test: (key: string) => boolean): unknown {
  const key = Object.keys(obj).find(test);
  return key === undefined ? undefined : obj[key];
}

/**
 * Parses TIME_SERIES_INTRADAY / FX_INTRADAY. Throttling and errors arrive as HTTP 200 bodies:
 * `Note` (per-minute limit) and `Information` (daily limit, premium notices) → rate_limited,
 * `Error Message` → provider_error. Bar times are wall-clock strings in the zone named by the
 * meta data ("US/Eastern" for equities, "UTC" for FX), newest first.
 */
export function parseAlphaVantage(body: unknown, ctx: BarContext): { bars: Bar[]; rejects: [] } {
  const top = BodySchema.safeParse(body);
  if (!top.success) throw new ProviderError('parse_error', 'alphavantage', 'body is not a JSON object');
  const obj = top.data;
  for (const key of ['Note', 'Information'] as const) {
    if (typeof obj[key] === 'string') throw new ProviderError('rate_limited', 'alphavantage', `${key}: ${obj[key]}`);
  }
  if (typeof obj['Error Message'] === 'string') {
    throw new ProviderError('provider_error', 'alphavantage', obj['Error Message']);
  }
  const meta = MetaSchema.safeParse(obj['Meta Data']);
  const seriesKey = Object.keys(obj).find((k) => k.startsWith('Time Series'));
  const series = SeriesSchema.safeParse(seriesKey === undefined ? undefined : obj[seriesKey]);
  if (!meta.success || !series.success) {
    throw new ProviderError('parse_error', 'alphavantage', 'missing or malformed "Meta Data" / "Time Series"');
  }
  // Declared twice: "5. Interval" in the meta data and "(1min)" in the series key.
  const declared = pick(meta.data, (k) => k.endsWith('Interval')) ?? /\(([^)]+)\)/.exec(seriesKey ?? '')?.[1] ?? 'undeclared';
  if (declared !== '1min') throw wrongInterval('alphavantage', String(declared));
  const zone = pick(meta.data, (k) => k.endsWith('Time Zone'));
  if (typeof zone !== 'string') throw new ProviderError('parse_error', 'alphavantage', 'meta data names no time zone');
  // Newest first on the wire; reversed (not sorted) so a disordered payload stays detectable.
  const bars = Object.entries(series.data)
    .reverse()
    .map(([local, v]) =>
      makeBar(ctx, localToUtc(local, zone), {
        open: num(v['1. open']),
        high: num(v['2. high']),
        low: num(v['3. low']),
        close: num(v['4. close']),
        volume: v['5. volume'] === undefined ? 0 : num(v['5. volume']),
      }),
    );
  return { bars, rejects: [] };
}

export interface AlphaVantageOptions extends HttpFetcherOptions {
  apiKey: string;
}

/** `compact` answers hold the latest 100 bars: anything older is asked for by calendar month. */
const COMPACT_MS = 100 * 60_000;

/**
 * 1m bars from Alpha Vantage: `outputsize=compact` (the latest 100 bars) for recent minutes,
 * `month=YYYY-MM&outputsize=full` for history (the bootstrap plans one request per month).
 */
export class AlphaVantageFetcher extends HttpFetcher {
  readonly name = 'alphavantage' as const;
  readonly #apiKey: string;

  constructor(opts: AlphaVantageOptions) {
    super('alphavantage', opts);
    this.#apiKey = opts.apiKey;
  }

  async fetchBars(spec: SymbolSpec, range: FetchRange, signal?: AbortSignal): Promise<FetchResult> {
    const mapping = spec.providers.alphavantage;
    if (!mapping) throw new ProviderError('provider_error', 'alphavantage', `no Alpha Vantage symbol for ${spec.symbol}`);
    if ((range.interval ?? '1m') !== '1m') throw wrongInterval('alphavantage', 'only 1m', range.interval);
    const params = new URLSearchParams(
      'ticker' in mapping
        ? { function: 'TIME_SERIES_INTRADAY', symbol: mapping.ticker }
        : { function: 'FX_INTRADAY', from_symbol: mapping.from, to_symbol: mapping.to },
    );
    params.set('interval', '1min');
    const now = this.now();
    if (range.from < now - COMPACT_MS) {
      params.set('month', new Date(range.from).toISOString().slice(0, 7));
      params.set('outputsize', 'full');
    } else {
      params.set('outputsize', 'compact');
    }
    params.set('apikey', this.#apiKey);
    const url = `${this.baseUrl}/query?${params}`;
    return keepInRange(await this.getJson(url, signal, (json) => parseAlphaVantage(json, { symbol: spec.symbol, source: 'alphavantage', now })), range);
  }
}
