import type { Bar, SymbolSpec } from '@marketpipe/core';
import { makeBar, num } from './bars';
import { localToUtc } from './localtime';
import { ProviderError, wrongInterval, type FetchRange, type FetchResult } from './types';

/** One symbol's share of a batch request. */
export interface BatchItem {
  spec: SymbolSpec;
  range: FetchRange;
}

/** What a batch answered for one symbol: its validated bars and what was refused, or why it failed. */
export type BatchOutcome = FetchResult | ProviderError;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isRow = (v: unknown): v is Record<'datetime' | 'open' | 'high' | 'low' | 'close', string> & { volume?: unknown } =>
  isObject(v) &&
  typeof v.datetime === 'string' &&
  typeof v.open === 'string' &&
  typeof v.high === 'string' &&
  typeof v.low === 'string' &&
  typeof v.close === 'string' &&
  (v.volume === undefined || typeof v.volume === 'string');

/**
 * One symbol's /time_series reply inside a batch, by the rules of parseTwelveData (errors with
 * their code, 1min only, strings for prices, UTC datetimes, newest first), read by hand: at
 * thousands of entries a second a schema library's parse, which copies every object, was a
 * tenth of the cycle.
 */
export function parseSeriesEntry(entry: unknown, symbol: string, now: number): BatchOutcome {
  const bad = (why: string) => new ProviderError('parse_error', 'twelvedata', `unexpected time_series payload for ${symbol}: ${why}`);
  if (!isObject(entry)) return bad('not an object');
  if (entry.status === 'error') {
    if (typeof entry.code !== 'number' || typeof entry.message !== 'string') return bad('error without code and message');
    return new ProviderError(entry.code === 429 ? 'rate_limited' : 'provider_error', 'twelvedata', `${entry.code}: ${entry.message}`);
  }
  const { meta, values = [] } = entry;
  if (entry.status !== 'ok' || !isObject(meta) || typeof meta.symbol !== 'string' || typeof meta.interval !== 'string') return bad('no ok status and meta');
  if (meta.interval !== '1min') return wrongInterval('twelvedata', meta.interval);
  if (!Array.isArray(values) || !values.every(isRow)) return bad('values are not rows of strings');
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
