import { z } from 'zod';
import type { SymbolSpec } from '@marketpipe/core';
import { inRange, makeBar, num, type BarContext } from './bars';
import { ProviderHttp, redactUrl, statusError } from './http';
import { localToUtc } from './localtime';
import { ProviderError, wrongInterval, type BarFetcher, type FetchRange, type FetchResult } from './types';

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

export interface TwelveDataOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  now?: () => number;
}

const MAX_OUTPUT = 5_000;

/**
 * 1m bars from Twelve Data (symbols like `EUR/USD`; one credit per request): /quote when only
 * the live minute is wanted, /time_series for anything older.
 */
export class TwelveDataFetcher implements BarFetcher {
  readonly name = 'twelvedata' as const;
  readonly historyLimitMs = MAX_OUTPUT * 60_000;
  readonly #http: ProviderHttp;
  readonly #opts: TwelveDataOptions;
  readonly #now: () => number;

  constructor(opts: TwelveDataOptions) {
    this.#http = new ProviderHttp('twelvedata', { timeoutMs: opts.timeoutMs });
    this.#opts = { ...opts, baseUrl: opts.baseUrl.replace(/\/+$/, '') };
    this.#now = opts.now ?? Date.now;
  }

  supports(spec: SymbolSpec): boolean {
    return spec.providers.twelvedata !== undefined;
  }

  async fetchBars(spec: SymbolSpec, range: FetchRange, signal?: AbortSignal): Promise<FetchResult> {
    const symbol = spec.providers.twelvedata;
    if (!symbol) throw new ProviderError('provider_error', 'twelvedata', `no Twelve Data symbol for ${spec.symbol}`);
    const ctx = { symbol: spec.symbol, source: 'twelvedata', now: this.#now() };
    const live = range.from >= ctx.now - (ctx.now % 60_000);
    const minutes = Math.ceil((range.to - range.from) / 60_000) + 1;
    const params = new URLSearchParams({ symbol, interval: '1min', timezone: 'UTC', apikey: this.#opts.apiKey });
    if (!live) params.set('outputsize', String(Math.min(MAX_OUTPUT, Math.max(1, minutes))));
    const url = `${this.#opts.baseUrl}/${live ? 'quote' : 'time_series'}?${params}`;
    const res = await this.#http.get(url, signal);
    if (res.json === undefined) {
      if (res.status !== 200) throw statusError('twelvedata', res.status, url, res.text);
      throw new ProviderError('parse_error', 'twelvedata', `body of ${redactUrl(url)} is not JSON`);
    }
    const result = live ? parseTwelveDataQuote(res.json, ctx) : parseTwelveData(res.json, ctx, 'UTC');
    if (res.status !== 200) throw statusError('twelvedata', res.status, url, 'error status with a series body');
    return { bars: inRange(result.bars, range), rejects: result.rejects };
  }

  close(): Promise<void> {
    return this.#http.close();
  }
}
