import { createRoute, z } from '@hono/zod-openapi';
import { NotFoundError } from '../errors';
import { requireComputed } from '../intervals';
import { freshnessAt, itemFreshness } from '../freshness';
import { cacheControl } from '../middleware/cache-control';
import { etag, setVersion } from '../middleware/etag';
import { FeaturesSchema, FreshnessSchema, IntervalSchema } from '../openapi/schemas';
import { ConditionalHeaders, KEYED, NOT_MODIFIED, ok, problems } from '../openapi/responses';
import { COMPUTED_INTERVAL, intervalParam, SymbolParam, symbolList } from '../params';
import type { MarketDataReader } from '../ports';
import type { SymbolLookup } from '../symbol-lookup';
import { router } from './router';

interface Deps {
  market: MarketDataReader;
  symbols: SymbolLookup;
  staleAfterMs: number;
  now: () => number;
}

const Item = z.object({ symbol: z.string(), features: FeaturesSchema }).extend(FreshnessSchema.shape).openapi('FeaturesItem');
const Batch = z
  .object({
    interval: IntervalSchema,
    items: z.array(Item),
    missing: z.array(z.string()).openapi({ description: 'symbols asked for that are unknown or have no features yet' }),
  })
  .openapi('FeaturesBatch');

const interval = intervalParam(COMPUTED_INTERVAL);

const common = {
  method: 'get' as const,
  tags: ['market data'],
  middleware: [etag(), cacheControl('private, max-age=1')],
};

const batchRoute = createRoute({
  ...common,
  path: '/',
  summary: 'The features of several symbols',
  description: 'Never fails for one symbol: unknown names and symbols without features yet are listed in `missing`.',
  request: { query: z.object({ symbols: symbolList.optional(), interval }), headers: ConditionalHeaders },
  responses: {
    200: ok(Batch, 'the features of each symbol that has some; every symbol when `symbols` is absent', 'private, max-age=1', { versioned: true }),
    304: NOT_MODIFIED,
    ...problems(...KEYED, 'invalid_request', 'interval_unavailable'),
  },
});

const oneRoute = createRoute({
  ...common,
  path: '/{symbol}',
  summary: 'The features of one symbol',
  request: { params: SymbolParam, query: z.object({ interval }), headers: ConditionalHeaders },
  responses: {
    200: ok(Item, 'its features and their freshness', 'private, max-age=1', { versioned: true }),
    304: NOT_MODIFIED,
    ...problems(...KEYED, 'invalid_request', 'unknown_symbol', 'not_found', 'interval_unavailable'),
  },
});

/**
 * `GET /v1/features/{symbol}?interval=5m` → `{ symbol, features, ageMs, stale, marketOpen }`;
 * `GET /v1/features?symbols=A,B&interval=5m` → `{ interval, items: [ … ], missing: [ … ] }`. One
 * Redis round trip each, and a second only when nothing was found (`requireComputed`).
 */
export const featuresRoute = (deps: Deps) =>
  router()
    .openapi(batchRoute, async (c) => {
      const { symbols: requested, interval } = c.req.valid('query');
      const registry = await deps.symbols.registry();
      const specs = requested ? requested.map((s) => ({ asked: s, spec: registry.get(s) })) : registry.specs.map((spec) => ({ asked: spec.symbol, spec }));
      const known = specs.flatMap(({ spec }) => (spec ? [spec] : []));
      const found = new Map((await deps.market.features(known.map((s) => s.symbol), interval)).map((l) => [l.symbol, l]));
      if (found.size === 0) await requireComputed(deps.market, 'features', interval);
      const freshnessOf = freshnessAt(deps.now(), deps.staleAfterMs);
      const items = known.flatMap((spec) => {
        const latest = found.get(spec.symbol);
        return latest ? [{ symbol: spec.symbol, features: latest.value, ...freshnessOf(latest.updatedAt, spec) }] : [];
      });
      const missing = specs.filter(({ spec }) => !spec || !found.has(spec.symbol)).map(({ asked, spec }) => spec?.symbol ?? asked);
      setVersion(c, [items.map((i) => [i.symbol, i.features.computedAt, found.get(i.symbol)?.updatedAt, i.stale, i.marketOpen]), missing]);
      return c.json({ interval, items, missing }, 200);
    })
    .openapi(oneRoute, async (c) => {
      const { symbol } = c.req.valid('param');
      const { interval } = c.req.valid('query');
      const spec = await deps.symbols.require(symbol);
      const [latest] = await deps.market.features([spec.symbol], interval);
      if (!latest) {
        await requireComputed(deps.market, 'features', interval);
        throw new NotFoundError(`no ${interval} features for ${spec.symbol} yet: the collector has not computed any`);
      }
      const fresh = itemFreshness(latest.updatedAt, spec, deps.now(), deps.staleAfterMs);
      setVersion(c, [spec.symbol, latest.value.computedAt, latest.updatedAt, fresh.stale, fresh.marketOpen]);
      return c.json({ symbol: spec.symbol, features: latest.value, ...fresh }, 200);
    });
