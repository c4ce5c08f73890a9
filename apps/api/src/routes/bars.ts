import { createRoute, z } from '@hono/zod-openapi';
import { itemFreshness } from '../freshness';
import { cacheControl } from '../middleware/cache-control';
import { etag, setVersion } from '../middleware/etag';
import { BarSchema, FreshnessSchema, IntervalSchema } from '../openapi/schemas';
import { ConditionalHeaders, KEYED, NOT_MODIFIED, ok, problems } from '../openapi/responses';
import { intervalParam, SymbolParam } from '../params';
import type { MarketDataReader } from '../ports';
import type { SymbolLookup } from '../symbol-lookup';
import { router } from './router';

export const MAX_BARS = 5_000;

const Query = z.object({
  // Every interval is stored: 1m as collected, the others resampled from it by the collector.
  interval: intervalParam('bar interval: 1m as collected, the others resampled from it, counted from the symbol’s session open (a 1d bar is one trading day)'),
  limit: z.coerce.number().int().min(1).max(MAX_BARS).default(100).openapi({ description: 'how many bars, the forming one included' }),
});

const Bars = z
  .object({
    symbol: z.string().openapi({ description: 'the canonical symbol, also when asked by a broker alias', example: 'EURUSD' }),
    interval: IntervalSchema,
    bars: z.array(BarSchema).openapi({ description: 'oldest first; the forming bar, when there is one, last' }),
  })
  .extend(FreshnessSchema.shape)
  .openapi('Bars');

const route = createRoute({
  method: 'get',
  path: '/{symbol}',
  tags: ['market data'],
  summary: 'The last N bars of a symbol',
  description: 'The last `limit` bars, oldest first, the forming bar last, with the freshness of the symbol’s data.',
  middleware: [etag(), cacheControl('private, max-age=1')] as const,
  request: { params: SymbolParam, query: Query, headers: ConditionalHeaders },
  responses: {
    200: ok(Bars, 'the bars', 'private, max-age=1', { versioned: true }),
    304: NOT_MODIFIED,
    ...problems(...KEYED, 'invalid_request', 'unknown_symbol'),
  },
});

/** `GET /v1/bars/{symbol}?interval=5m&limit=N`: one Redis round trip. */
export const barsRoute = (deps: { market: MarketDataReader; symbols: SymbolLookup; staleAfterMs: number; now: () => number }) =>
  router().openapi(route, async (c) => {
    const { symbol } = c.req.valid('param');
    const { interval, limit } = c.req.valid('query');
    const spec = await deps.symbols.require(symbol);
    const { bars, updatedAt } = await deps.market.bars(spec.symbol, interval, limit);
    // Without a last-seen time the newest bar's open time is the best (oldest) guess.
    const asOf = updatedAt ?? bars.at(-1)?.ts ?? null;
    const fresh = itemFreshness(asOf, spec, deps.now(), deps.staleAfterMs);
    const newest = bars.at(-1);
    setVersion(c, [bars.length, bars[0]?.ts, newest && Object.values(newest), asOf, fresh.stale, fresh.marketOpen]);
    return c.json({ symbol: spec.symbol, interval, bars, ...fresh }, 200);
  });
