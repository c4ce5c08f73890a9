import { z } from 'zod';
import { INTERVAL_MS, type Bar, type Interval, type Reject, type SymbolSpec } from '@marketpipe/core';
import { keepInRange, makeBar, type BarContext } from './bars';
import { HttpFetcher, type HttpFetcherOptions } from './http-fetcher';
import { ProviderError, wrongInterval, type FetchRange, type FetchResult } from './types';

const series = z.array(z.number().nullable());

/** Yahoo chart v8: one result, parallel arrays; `timestamp` is absent when there is no data. */
const ChartSchema = z.object({
  chart: z.object({
    result: z
      .array(
        z.object({
          meta: z.object({ dataGranularity: z.string().optional() }).optional(),
          timestamp: z.array(z.number()).optional(),
          indicators: z.object({
            quote: z.array(
              z.object({
                open: series.optional(),
                high: series.optional(),
                low: series.optional(),
                close: series.optional(),
                volume: series.optional(),
              }),
            ),
          }),
        }),
      )
      .nullable(),
    error: z.object({ code: z.string(), description: z.string() }).nullable(),
  }),
});

/**
 * Parses a chart v8 body. A row whose fields are all null is Yahoo's "no trade this minute"
 * and is skipped (never turned into zeros); a row with only some fields null is rejected.
 */
export function parseYahooChart(body: unknown, ctx: BarContext, granularity = '1m'): FetchResult {
  const parsed = ChartSchema.safeParse(body);
  if (!parsed.success) throw new ProviderError('parse_error', 'yahoo', `unexpected chart payload: ${parsed.error.issues[0]?.message}`);
  const { result, error } = parsed.data.chart;
  if (error) throw new ProviderError('provider_error', 'yahoo', `${error.code}: ${error.description}`);
  const first = result?.[0];
  if (!first) throw new ProviderError('provider_error', 'yahoo', 'chart has no result and no error');
  const declared = first.meta?.dataGranularity;
  if (declared !== undefined && declared !== granularity) throw wrongInterval('yahoo', declared, ctx.interval);
  const times = first.timestamp ?? [];
  const q = first.indicators.quote[0] ?? {};
  const bars: Bar[] = [];
  const rejects: Reject[] = [];
  times.forEach((t, i) => {
    const row = [q.open?.[i], q.high?.[i], q.low?.[i], q.close?.[i], q.volume?.[i]];
    const present = row.filter((v) => typeof v === 'number').length;
    if (present === 0) return;
    const ts = t * 1000;
    if (present < row.length) {
      rejects.push({ reason: 'non_finite', symbol: ctx.symbol, ts, detail: `yahoo row ${i} has null fields` });
      return;
    }
    const [open, high, low, close, volume] = row as number[];
    bars.push(makeBar(ctx, ts, { open: open!, high: high!, low: low!, close: close!, volume: volume! }));
  });
  return { bars, rejects };
}

/** Yahoo's names for the resolutions a bootstrap may ask of it. */
const YAHOO_INTERVAL: Partial<Record<Interval, string>> = { '1m': '1m', '5m': '5m', '15m': '15m', '30m': '30m', '1h': '60m' };

/**
 * Bars from Yahoo's unauthenticated chart endpoint: 1m for the last 30 days (7 days a
 * request), 5m–30m for 60 days, 1h for 730 days (see HISTORY_LIMITS).
 */
export class YahooChartFetcher extends HttpFetcher {
  readonly name = 'yahoo' as const;

  constructor(opts: HttpFetcherOptions) {
    super('yahoo', opts);
  }

  async fetchBars(spec: SymbolSpec, range: FetchRange, signal?: AbortSignal): Promise<FetchResult> {
    const ticker = spec.providers.yahoo;
    if (!ticker) throw new ProviderError('provider_error', 'yahoo', `no Yahoo symbol for ${spec.symbol}`);
    const interval = range.interval ?? '1m';
    const asked = YAHOO_INTERVAL[interval];
    if (!asked) throw wrongInterval('yahoo', `no ${interval} series`, interval);
    const period1 = Math.floor(range.from / 1000);
    const period2 = Math.ceil(range.to / 1000) + INTERVAL_MS[interval] / 1000;
    const url = `${this.baseUrl}/v8/finance/chart/${encodeURIComponent(ticker)}?interval=${asked}&includePrePost=false&period1=${period1}&period2=${period2}`;
    const ctx = { symbol: spec.symbol, source: 'yahoo', now: this.now(), interval };
    return keepInRange(await this.getJson(url, signal, (json) => parseYahooChart(json, ctx, asked)), range);
  }
}
