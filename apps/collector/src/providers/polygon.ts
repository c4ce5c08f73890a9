import { z } from 'zod';
import type { Bar, SymbolSpec } from '@marketpipe/core';
import { keepInRange, makeBar, type BarContext } from './bars';
import { HttpFetcher, type HttpFetcherOptions } from './http-fetcher';
import { ProviderError, wrongInterval, type FetchRange, type FetchResult } from './types';

/** Index aggregates carry only o/h/l/c/t, so volume is optional (read as 0). */
const AggsSchema = z.object({
  status: z.string(),
  results: z
    .array(z.object({ o: z.number(), h: z.number(), l: z.number(), c: z.number(), v: z.number().optional(), t: z.number() }))
    .optional(),
  message: z.string().optional(),
  error: z.string().optional(),
  /** present when the range held more than one answer's worth (`limit`) */
  next_url: z.string().optional(),
});

/** "DELAYED" is the free tier's normal answer; anything else but "OK" is a refusal. */
const GOOD_STATUS = new Set(['OK', 'DELAYED']);

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
  // Aggregates declare no resolution; bars whole days apart, every one of them, are daily ones.
  if (rows.length >= 2 && rows.every((r, i) => i === 0 || (r.t - rows[i - 1]!.t) % DAY === 0)) throw wrongInterval('polygon', '1d');
  const bars = rows.map((r) => makeBar(ctx, r.t, { open: r.o, high: r.h, low: r.l, close: r.c, volume: r.v ?? 0 }));
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
