import { z } from 'zod';
import type { Bar, SymbolSpec } from '@marketpipe/core';
import { keepInRange, makeBar, type BarContext } from './bars';
import { HttpFetcher, type HttpFetcherOptions } from './http-fetcher';
import { ProviderError, wrongInterval, type FetchRange, type FetchResult } from './types';

/**
 * The envelope is checked by schema; `results` (up to 50,000 rows an answer) row by row in
 * `aggRow`, without the per-row copies a schema would make: a bootstrap parses millions.
 */
const AggsSchema = z.object({
  status: z.string(),
  results: z.array(z.unknown()).optional(),
  message: z.string().optional(),
  error: z.string().optional(),
  /** present when the range held more than one answer's worth (`limit`) */
  next_url: z.string().optional(),
});

/** "DELAYED" is the free tier's normal answer; anything else but "OK" is a refusal. */
const GOOD_STATUS = new Set(['OK', 'DELAYED']);

/** One aggregate: o/h/l/c/t numbers; index aggregates carry no volume (read as 0). */
function aggRow(row: unknown, i: number, ctx: BarContext): Bar {
  const r = (typeof row === 'object' && row !== null ? row : {}) as Record<string, unknown>;
  const { o, h, l, c, v, t } = r;
  if (typeof o !== 'number' || typeof h !== 'number' || typeof l !== 'number' || typeof c !== 'number' || typeof t !== 'number' || (v !== undefined && typeof v !== 'number')) {
    const field = (['o', 'h', 'l', 'c', 't'] as const).find((k) => typeof r[k] !== 'number') ?? 'v';
    throw new ProviderError('parse_error', 'polygon', `unexpected aggs payload: results[${i}].${field} is ${JSON.stringify(r[field]) ?? 'missing'}, expected a number`);
  }
  return makeBar(ctx, t, { open: o, high: h, low: l, close: c, volume: v ?? 0 });
}

/** Parses /v2/aggs: `t` is ms at window start; an empty window has no `results` key; `next` is the next page's URL. */
export function parsePolygonAggs(body: unknown, ctx: BarContext): FetchResult & { next?: string } {
  const parsed = AggsSchema.safeParse(body);
  if (!parsed.success) throw new ProviderError('parse_error', 'polygon', `unexpected aggs payload: ${parsed.error.issues[0]?.message}`);
  const { status, results, message, error, next_url } = parsed.data;
  if (!GOOD_STATUS.has(status)) {
    const text = message ?? error ?? 'no message';
    const code = /maximum requests|rate limit/i.test(text) ? 'rate_limited' : 'provider_error';
    throw new ProviderError(code, 'polygon', `${status}: ${text}`);
  }
  const rows = results ?? [];
  const bars = new Array<Bar>(rows.length);
  for (let i = 0; i < rows.length; i++) bars[i] = aggRow(rows[i], i, ctx);
  // Aggregates declare no resolution; bars whole days apart, every one of them, are daily ones.
  if (bars.length >= 2 && bars.every((b, i) => i === 0 || (b.ts - bars[i - 1]!.ts) % DAY === 0)) throw wrongInterval('polygon', '1d');
  return { bars, rejects: [], ...(next_url ? { next: next_url } : {}) };
}

const DAY = 86_400_000;

export interface PolygonOptions extends HttpFetcherOptions {
  apiKey: string;
}

/** pages followed for one range at most: 50,000 aggregates each, so far beyond any planned request */
const MAX_PAGES = 20;

/**
 * 1m aggregates from Polygon (Massive) `/v2/aggs/ticker/{ticker}/range/1/minute/{from}/{to}`:
 * at most 50,000 base aggregates an answer; a longer range comes back with a `next_url`,
 * followed (with the key, which it does not carry) until the range is whole.
 */
export class PolygonAggsFetcher extends HttpFetcher {
  readonly name = 'polygon' as const;
  readonly #apiKey: string;

  constructor(opts: PolygonOptions) {
    super('polygon', opts);
    this.#apiKey = opts.apiKey;
  }

  async fetchBars(spec: SymbolSpec, range: FetchRange, signal?: AbortSignal): Promise<FetchResult> {
    const ticker = spec.providers.polygon;
    if (!ticker) throw new ProviderError('provider_error', 'polygon', `no Polygon ticker for ${spec.symbol}`);
    if ((range.interval ?? '1m') !== '1m') throw wrongInterval('polygon', 'only 1m', range.interval);
    const params = new URLSearchParams({ adjusted: 'true', sort: 'asc', limit: '50000', apiKey: this.#apiKey });
    const path = `/v2/aggs/ticker/${encodeURIComponent(ticker).replace(/%3A/gi, ':')}/range/1/minute/${Math.floor(range.from)}/${Math.floor(range.to)}`;
    const ctx = { symbol: spec.symbol, source: 'polygon', now: this.now() };
    const bars: Bar[] = [];
    let url: string | undefined = `${this.baseUrl}${path}?${params}`;
    for (let page = 0; url !== undefined && page < MAX_PAGES; page++) {
      const result: FetchResult & { next?: string } = await this.getJson(url, signal, (json) => parsePolygonAggs(json, ctx));
      for (const b of result.bars) bars.push(b);
      url = result.next === undefined ? undefined : withKey(result.next, this.#apiKey);
    }
    return keepInRange({ bars, rejects: [] }, range);
  }
}

/** `next_url` carries a cursor but not the key. */
function withKey(next: string, apiKey: string): string {
  const url = new URL(next);
  url.searchParams.set('apiKey', apiKey);
  return url.toString();
}
