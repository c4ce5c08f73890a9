import { z } from 'zod';
import type { SymbolSpec } from '@marketpipe/core';
import { keepInRange, makeBar, num, type BarContext } from './bars';
import { HttpFetcher, type HttpFetcherOptions } from './http-fetcher';
import { localToUtc } from './localtime';
import { TwelveDataBatchFetcher } from './twelvedata-batch';
import { ProviderError, wrongInterval, type FetchRange, type FetchResult } from './types';

const ErrorSchema = z.object({ status: z.literal('error'), code: z.number(), message: z.string() });

const SeriesSchema = z.object({
  status: z.literal('ok'),
  meta: z.object({ symbol: z.string(), interval: z.string(), exchange_timezone: z.string().optional() }),
  values: z
    .array(
      z.object({
        datetime: z.string(),
        open: z.string(),
        high: z.string(),
        low: z.string(),
        close: z.string(),
        volume: z.string().optional(),
      }),
    )
    .default([]),
});

/**
 * Parses /time_series. Errors are `{code,message,status:"error"}`, sometimes with HTTP 200;
 * code 429 means the minute's or the day's credits are spent. Datetimes are wall-clock
 * strings in `timezone` (the fetcher asks for UTC), newest first; FX carries no volume.
 */
export function parseTwelveData(body: unknown, ctx: BarContext, timezone?: string): FetchResult {
  const err = ErrorSchema.safeParse(body);
  if (err.success) {
    const code = err.data.code === 429 ? 'rate_limited' : 'provider_error';
    throw new ProviderError(code, 'twelvedata', `${err.data.code}: ${err.data.message}`);
  }
  const parsed = SeriesSchema.safeParse(body);
  if (!parsed.success) throw new ProviderError('parse_error', 'twelvedata', `unexpected time_series payload: ${parsed.error.issues[0]?.message}`);
  if (parsed.data.meta.interval !== '1min') throw wrongInterval('twelvedata', parsed.data.meta.interval);
  const zone = timezone ?? parsed.data.meta.exchange_timezone ?? 'UTC';
  const bars = parsed.data.values
    .slice()
    .reverse()
    .map((v) =>
      makeBar(ctx, localToUtc(v.datetime, zone), {
        open: num(v.open),
        high: num(v.high),
        low: num(v.low),
        close: num(v.close),
        volume: v.volume === undefined ? 0 : num(v.volume),
      }),
    );
  return { bars, rejects: [] };
}

const QuoteSchema = z.object({
  symbol: z.string(),
  datetime: z.string(),
  timestamp: z.number(),
  open: z.string(),
  high: z.string(),
  low: z.string(),
  close: z.string(),
  volume: z.string().optional(),
  is_market_open: z.boolean().optional(),
});

/**
 * Parses /quote: the candle of the requested interval that contains the latest price, with
 * `datetime` its open in `timezone` (the recorded daily quote carries the session's date),
 * prices as strings like /time_series. One credit, like /time_series, but a smaller body: the
 * fetcher uses it when only the live bar is wanted.
 */
export function parseTwelveDataQuote(body: unknown, ctx: BarContext, timezone = 'UTC'): FetchResult {
  const err = ErrorSchema.safeParse(body);
  if (err.success) {
    const code = err.data.code === 429 ? 'rate_limited' : 'provider_error';
    throw new ProviderError(code, 'twelvedata', `${err.data.code}: ${err.data.message}`);
  }
  const parsed = QuoteSchema.safeParse(body);
  if (!parsed.success) throw new ProviderError('parse_error', 'twelvedata', `unexpected quote payload: ${parsed.error.issues[0]?.message}`);
  const q = parsed.data;
  const bar = makeBar(ctx, localToUtc(q.datetime, timezone), {
    open: num(q.open),
    high: num(q.high),
    low: num(q.low),
    close: num(q.close),
    volume: q.volume === undefined ? 0 : num(q.volume),
  });
  return { bars: [bar], rejects: [] };
}

export interface TwelveDataOptions extends HttpFetcherOptions {
  apiKey: string;
  /** symbols per batch request of a live poll (TWELVEDATA_BATCH_SYMBOLS); 1 asks each symbol alone */
  batchSymbols?: number;
  /** pooled connections for the batches: all of one cycle's go out at once */
  batchConnections?: number;
}

const MAX_OUTPUT = 5_000;

/** Twelve Data's date parameters: wall-clock text in the request's `timezone` (UTC here). */
const utcText = (ts: number) => new Date(ts).toISOString().slice(0, 19).replace('T', ' ');

/**
 * 1m bars from Twelve Data (symbols like `EUR/USD`; one credit per request): /quote when only
 * the live minute is wanted, /time_series for anything older — by `start_date`/`end_date`
 * (the bootstrap's ranges), `outputsize` ≤ 5,000 bars. With `batchSymbols` > 1 a live poll of
 * many symbols goes through `batch` instead (ProviderChain.fetchEach).
 */
export class TwelveDataFetcher extends HttpFetcher {
  readonly name = 'twelvedata' as const;
  readonly batch: TwelveDataBatchFetcher | undefined;
  readonly #apiKey: string;

  constructor(opts: TwelveDataOptions) {
    super('twelvedata', opts);
    this.#apiKey = opts.apiKey;
    const size = opts.batchSymbols ?? 1;
    const { baseUrl, apiKey, timeoutMs, now } = opts;
    this.batch =
      size > 1
        ? new TwelveDataBatchFetcher({ baseUrl, apiKey, timeoutMs, size, ...(now ? { now } : {}), ...(opts.batchConnections ? { connections: opts.batchConnections } : {}) })
        : undefined;
  }

  override async close(): Promise<void> {
    await Promise.all([super.close(), this.batch?.close()]);
  }

  async fetchBars(spec: SymbolSpec, range: FetchRange, signal?: AbortSignal): Promise<FetchResult> {
    const symbol = spec.providers.twelvedata;
    if (!symbol) throw new ProviderError('provider_error', 'twelvedata', `no Twelve Data symbol for ${spec.symbol}`);
    if ((range.interval ?? '1m') !== '1m') throw wrongInterval('twelvedata', 'only 1m', range.interval);
    const ctx = { symbol: spec.symbol, source: 'twelvedata', now: this.now() };
    const live = range.from >= ctx.now - (ctx.now % 60_000);
    const minutes = Math.ceil((range.to - range.from) / 60_000) + 1;
    const params = new URLSearchParams({ symbol, interval: '1min', timezone: 'UTC', apikey: this.#apiKey });
    if (!live) params.set('outputsize', String(Math.min(MAX_OUTPUT, Math.max(1, minutes))));
    // A range that ends before the live minute is history: asked for by its dates, not by "the latest N".
    if (!live && range.to < ctx.now - (ctx.now % 60_000) - 60_000) {
      params.set('start_date', utcText(range.from));
      params.set('end_date', utcText(range.to + 60_000));
    }
    const url = `${this.baseUrl}/${live ? 'quote' : 'time_series'}?${params}`;
    const result = await this.getJson(url, signal, (json) => (live ? parseTwelveDataQuote(json, ctx) : parseTwelveData(json, ctx, 'UTC')));
    return keepInRange(result, range);
  }
}
