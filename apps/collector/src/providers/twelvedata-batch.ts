import type { Bar } from '@marketpipe/core';
import { inRange, makeBar, num } from './bars';
import { ProviderHttp, redactUrl, statusError } from './http';
import { localToUtc } from './localtime';
import { ProviderError, wrongInterval, type BatchItem, type BatchRequester, type FetchResult } from './types';

/** What a batch answered for one symbol: its bars and what was refused while parsing, or why it failed. */
export type BatchOutcome = FetchResult | ProviderError;

const MINUTE = 60_000;
const MAX_OUTPUT = 5_000;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isRow = (v: unknown): v is Record<'datetime' | 'open' | 'high' | 'low' | 'close', string> & { volume?: unknown } =>
  isObject(v) &&
  typeof v.datetime === 'string' &&
  typeof v.open === 'string' &&
  typeof v.high === 'string' &&
  typeof v.low === 'string' &&
  typeof v.close === 'string' &&
  (v.volume === undefined || typeof v.volume === 'string');

/** Module-level, not a closure per entry: tsx (esbuild keepNames) names every closure it makes, 5,000 a second here. */
const badEntry = (symbol: string, why: string) =>
  new ProviderError('parse_error', 'twelvedata', `unexpected time_series payload for ${symbol}: ${why}`);

/**
 * One symbol's /time_series reply inside a batch, by the rules of parseTwelveData (errors with
 * their code, 1min only, strings for prices, UTC datetimes, newest first), read by hand: at
 * thousands of entries a second a schema library's parse, which copies every object, was a
 * tenth of the cycle.
 */
export function parseSeriesEntry(entry: unknown, symbol: string, now: number): BatchOutcome {
  if (!isObject(entry)) return badEntry(symbol, 'not an object');
  if (entry.status === 'error') {
    if (typeof entry.code !== 'number' || typeof entry.message !== 'string') return badEntry(symbol, 'error without code and message');
    return new ProviderError(entry.code === 429 ? 'rate_limited' : 'provider_error', 'twelvedata', `${entry.code}: ${entry.message}`);
  }
  const { meta, values = [] } = entry;
  if (entry.status !== 'ok' || !isObject(meta) || typeof meta.symbol !== 'string' || typeof meta.interval !== 'string') return badEntry(symbol, 'no ok status and meta');
  if (meta.interval !== '1min') return wrongInterval('twelvedata', meta.interval);
  if (!Array.isArray(values) || !values.every(isRow)) return badEntry(symbol, 'values are not rows of strings');
  const ctx = { symbol, source: 'twelvedata', now };
  const bars = new Array<Bar>(values.length);
  for (let i = values.length - 1, j = 0; i >= 0; i--, j++) {
    const v = values[i]!;
    bars[j] = makeBar(ctx, localToUtc(v.datetime, 'UTC'), {
      open: num(v.open),
      high: num(v.high),
      low: num(v.low),
      close: num(v.close),
      volume: v.volume === undefined ? 0 : num(v.volume as string),
    });
  }
  return { bars, rejects: [] };
}

/**
 * Parses a batch /time_series reply: an object keyed by each symbol as it was asked, whose
 * value is that symbol's own /time_series reply or its own error object (both recorded:
 * batch-time-series-AAPL-MSFT-1day.json, batch-time-series-with-400-symbol-not-found.json). An
 * error object at the top level (a 401, or the minute's credits spent) fails the whole batch. A
 * batch of one is also read in the plain single-series shape, in case the API answers so.
 */
export function parseTwelveDataBatch(body: unknown, asked: ReadonlyMap<string, string>, now: number): Map<string, BatchOutcome> {
  if (!isObject(body)) throw new ProviderError('parse_error', 'twelvedata', 'batch reply is not an object');
  const single = typeof body.status === 'string';
  if (single && (asked.size !== 1 || body.status === 'error')) {
    const outcome = parseSeriesEntry(body, 'the batch', now);
    throw outcome instanceof ProviderError ? outcome : new ProviderError('parse_error', 'twelvedata', `a single series answered a batch of ${asked.size} symbols`);
  }
  const out = new Map<string, BatchOutcome>();
  for (const [providerSymbol, symbol] of asked) {
    const entry = single ? body : body[providerSymbol];
    out.set(symbol, entry === undefined ? new ProviderError('parse_error', 'twelvedata', `${providerSymbol} missing from the batch reply`) : parseSeriesEntry(entry, symbol, now));
  }
  return out;
}

export interface TwelveDataBatchOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  /** symbols per request (TWELVEDATA_BATCH_SYMBOLS, at most 120) */
  size: number;
  /** pooled connections: all the batches of one cycle go out at once */
  connections?: number;
  now?: () => number;
}

/**
 * Twelve Data's batch form of /time_series: many symbols, comma-separated, in one request
 * (one credit per symbol, as documented at support.twelvedata.com/en/articles/5203360). All
 * symbols of one request share its parameters, so `outputsize` covers the widest range asked;
 * each symbol's bars are cut back to its own range. Validation, quota and metrics are the
 * chain's, as for every other request (ProviderChain.fetchEach).
 */
export class TwelveDataBatchFetcher implements BatchRequester {
  readonly size: number;
  readonly #http: ProviderHttp;
  readonly #opts: TwelveDataBatchOptions;
  readonly #now: () => number;

  constructor(opts: TwelveDataBatchOptions) {
    this.size = opts.size;
    this.#http = new ProviderHttp('twelvedata', { timeoutMs: opts.timeoutMs, ...(opts.connections ? { connections: opts.connections } : {}) });
    this.#opts = { ...opts, baseUrl: opts.baseUrl.replace(/\/+$/, '') };
    this.#now = opts.now ?? Date.now;
  }

  async fetch(items: readonly BatchItem[], signal?: AbortSignal): Promise<Map<string, BatchOutcome>> {
    const asked = new Map<string, string>();
    let minutes = 1;
    for (const { spec, range } of items) {
      const providerSymbol = spec.providers.twelvedata;
      if (!providerSymbol) throw new ProviderError('provider_error', 'twelvedata', `no Twelve Data symbol for ${spec.symbol}`);
      asked.set(providerSymbol, spec.symbol);
      minutes = Math.max(minutes, Math.floor(range.to / MINUTE) - Math.floor(range.from / MINUTE) + 1);
    }
    const params = new URLSearchParams({
      symbol: [...asked.keys()].join(','),
      interval: '1min',
      outputsize: String(Math.min(MAX_OUTPUT, minutes)),
      timezone: 'UTC',
      apikey: this.#opts.apiKey,
    });
    const url = `${this.#opts.baseUrl}/time_series?${params}`;
    const res = await this.#http.get(url, signal);
    if (res.status !== 200) throw statusError('twelvedata', res.status, url, res.text);
    if (res.json === undefined) throw new ProviderError('parse_error', 'twelvedata', `body of ${redactUrl(url)} is not JSON`);
    const parsed = parseTwelveDataBatch(res.json, asked, this.#now());
    for (const { spec, range } of items) {
      const outcome = parsed.get(spec.symbol);
      if (outcome && !(outcome instanceof ProviderError)) outcome.bars = inRange(outcome.bars, range);
    }
    return parsed;
  }

  close(): Promise<void> {
    return this.#http.close();
  }
}
