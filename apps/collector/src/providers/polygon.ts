import { z } from 'zod';
import type { SymbolSpec } from '@marketpipe/core';
import { inRange, makeBar, type BarContext } from './bars';
import { ProviderHttp, redactUrl, statusError } from './http';
import { ProviderError, wrongInterval, type BarFetcher, type FetchRange, type FetchResult } from './types';

/** Index aggregates carry only o/h/l/c/t, so volume is optional (read as 0). */
const AggsSchema = z.object({
  status: z.string(),
  results: z
    .array(z.object({ o: z.number(), h: z.number(), l: z.number(), c: z.number(), v: z.number().optional(), t: z.number() }))
    .optional(),
  message: z.string().optional(),
  error: z.string().optional(),
});

/** "DELAYED" is the free tier's normal answer; anything else but "OK" is a refusal. */
const GOOD_STATUS = new Set(['OK', 'DELAYED']);

/** Parses /v2/aggs: `t` is ms at window start; an empty window has no `results` key. */
export function parsePolygonAggs(body: unknown, ctx: BarContext): FetchResult {
  const parsed = AggsSchema.safeParse(body);
  if (!parsed.success) throw new ProviderError('parse_error', 'polygon', `unexpected aggs payload: ${parsed.error.issues[0]?.message}`);
  const { status, results, message, error } = parsed.data;
  if (!GOOD_STATUS.has(status)) {
    const text = message ?? error ?? 'no message';
    const code = /maximum requests|rate limit/i.test(text) ? 'rate_limited' : 'provider_error';
    throw new ProviderError(code, 'polygon', `${status}: ${text}`);
  }
  const rows = results ?? [];
  // Aggregates declare no resolution; bars whole days apart, every one of them, are daily ones.
  if (rows.length >= 2 && rows.every((r, i) => i === 0 || (r.t - rows[i - 1]!.t) % DAY === 0)) throw wrongInterval('polygon', '1d');
  const bars = rows.map((r) => makeBar(ctx, r.t, { open: r.o, high: r.h, low: r.l, close: r.c, volume: r.v ?? 0 }));
  return { bars, rejects: [] };
}

const DAY = 86_400_000;

export interface PolygonOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  now?: () => number;
}

/** 1m aggregates from Polygon (Massive) `/v2/aggs/ticker/{ticker}/range/1/minute/{from}/{to}`. */
export class PolygonAggsFetcher implements BarFetcher {
  readonly name = 'polygon' as const;
  readonly historyLimitMs = 730 * 86_400_000;
  readonly #http: ProviderHttp;
  readonly #opts: PolygonOptions;
  readonly #now: () => number;

  constructor(opts: PolygonOptions) {
    this.#http = new ProviderHttp('polygon', { timeoutMs: opts.timeoutMs });
    this.#opts = { ...opts, baseUrl: opts.baseUrl.replace(/\/+$/, '') };
    this.#now = opts.now ?? Date.now;
  }

  supports(spec: SymbolSpec): boolean {
    return spec.providers.polygon !== undefined;
  }

  async fetchBars(spec: SymbolSpec, range: FetchRange, signal?: AbortSignal): Promise<FetchResult> {
    const ticker = spec.providers.polygon;
    if (!ticker) throw new ProviderError('provider_error', 'polygon', `no Polygon ticker for ${spec.symbol}`);
    const params = new URLSearchParams({ adjusted: 'true', sort: 'asc', limit: '50000', apiKey: this.#opts.apiKey });
    const path = `/v2/aggs/ticker/${encodeURIComponent(ticker).replace(/%3A/gi, ':')}/range/1/minute/${Math.floor(range.from)}/${Math.floor(range.to)}`;
    const url = `${this.#opts.baseUrl}${path}?${params}`;
    const res = await this.#http.get(url, signal);
    if (res.status === 429) throw statusError('polygon', res.status, url, res.text);
    if (res.json === undefined) {
      if (res.status !== 200) throw statusError('polygon', res.status, url, res.text);
      throw new ProviderError('parse_error', 'polygon', `body of ${redactUrl(url)} is not JSON`);
    }
    const result = parsePolygonAggs(res.json, { symbol: spec.symbol, source: 'polygon', now: this.#now() });
    if (res.status !== 200) throw statusError('polygon', res.status, url, 'error status with an aggs body');
    return { bars: inRange(result.bars, range), rejects: result.rejects };
  }

  close(): Promise<void> {
    return this.#http.close();
  }
}
