import { z } from 'zod';
import type { Bar, Reject, SymbolSpec } from '@marketpipe/core';
import { inRange, makeBar, type BarContext } from './bars';
import { ProviderHttp, redactUrl, statusError } from './http';
import { ProviderError, wrongInterval, type BarFetcher, type FetchRange, type FetchResult } from './types';

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
export function parseYahooChart(body: unknown, ctx: BarContext): FetchResult {
  const parsed = ChartSchema.safeParse(body);
  if (!parsed.success) throw new ProviderError('parse_error', 'yahoo', `unexpected chart payload: ${parsed.error.issues[0]?.message}`);
  const { result, error } = parsed.data.chart;
  if (error) throw new ProviderError('provider_error', 'yahoo', `${error.code}: ${error.description}`);
  const first = result?.[0];
  if (!first) throw new ProviderError('provider_error', 'yahoo', 'chart has no result and no error');
  const granularity = first.meta?.dataGranularity;
  if (granularity !== undefined && granularity !== '1m') throw wrongInterval('yahoo', granularity);
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

export interface YahooOptions {
  baseUrl: string;
  timeoutMs: number;
  keepAlive?: boolean;
  now?: () => number;
}

/** 1m bars from Yahoo's unauthenticated chart endpoint (serves about a week of 1m history). */
export class YahooChartFetcher implements BarFetcher {
  readonly name = 'yahoo' as const;
  readonly historyLimitMs = 7 * 86_400_000;
  readonly #http: ProviderHttp;
  readonly #baseUrl: string;
  readonly #now: () => number;

  constructor(opts: YahooOptions) {
    this.#http = new ProviderHttp('yahoo', { timeoutMs: opts.timeoutMs, keepAlive: opts.keepAlive });
    this.#baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.#now = opts.now ?? Date.now;
  }

  supports(spec: SymbolSpec): boolean {
    return spec.providers.yahoo !== undefined;
  }

  async fetchBars(spec: SymbolSpec, range: FetchRange, signal?: AbortSignal): Promise<FetchResult> {
    const ticker = spec.providers.yahoo;
    if (!ticker) throw new ProviderError('provider_error', 'yahoo', `no Yahoo symbol for ${spec.symbol}`);
    const period1 = Math.floor(range.from / 1000);
    const period2 = Math.ceil(range.to / 1000) + 60;
    const url = `${this.#baseUrl}/v8/finance/chart/${encodeURIComponent(ticker)}?interval=1m&includePrePost=false&period1=${period1}&period2=${period2}`;
    const res = await this.#http.get(url, signal);
    // Yahoo reports unknown symbols as 404/400 with a chart.error body: surface its text.
    if (res.status !== 200 && (res.status === 429 || res.json === undefined)) {
      throw statusError('yahoo', res.status, url, res.text);
    }
    if (res.json === undefined) throw new ProviderError('parse_error', 'yahoo', `body of ${redactUrl(url)} is not JSON`);
    const { bars, rejects } = parseYahooChart(res.json, { symbol: spec.symbol, source: 'yahoo', now: this.#now() });
    if (res.status !== 200) throw statusError('yahoo', res.status, url, 'no chart error in body');
    return { bars: inRange(bars, range), rejects };
  }

  close(): Promise<void> {
    return this.#http.close();
  }
}
