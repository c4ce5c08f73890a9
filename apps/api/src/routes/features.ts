import { createRoute, z } from '@hono/zod-openapi';
import { NotFoundError } from '../errors';
import { itemFreshness } from '../freshness';
import { cacheControl } from '../middleware/cache-control';
import { etag, setVersion } from '../middleware/etag';
import { FeaturesSchema, FreshnessSchema } from '../openapi/schemas';
import { ConditionalHeaders, KEYED, NOT_MODIFIED, ok, problems } from '../openapi/responses';
import { SymbolParam, symbolList } from '../params';
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
    items: z.array(Item),
    missing: z.array(z.string()).openapi({ description: 'symbols asked for that are unknown or have no features yet' }),
  })
  .openapi('FeaturesBatch');

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
  request: { query: z.object({ symbols: symbolList.optional() }), headers: ConditionalHeaders },
  responses: {
    200: ok(Batch, 'the features of each symbol that has some; every symbol when `symbols` is absent', 'private, max-age=1', { versioned: true }),
    304: NOT_MODIFIED,
    ...problems(...KEYED, 'invalid_request'),
  },
});

const oneRoute = createRoute({
  ...common,
  path: '/{symbol}',
  summary: 'The features of one symbol',
  request: { params: SymbolParam, headers: ConditionalHeaders },
  responses: {
    200: ok(Item, 'its features and their freshness', 'private, max-age=1', { versioned: true }),
    304: NOT_MODIFIED,
    ...problems(...KEYED, 'invalid_request', 'unknown_symbol', 'not_found'),
  },
});

/**
 * `GET /v1/features/{symbol}` → `{ symbol, features, ageMs, stale, marketOpen }`;
 * `GET /v1/features?symbols=A,B` → `{ items: [ … ], missing: [ … ] }`.
 */
export const featuresRoute = (deps: Deps) =>
  router()
    .openapi(batchRoute, async (c) => {
      const { symbols: requested } = c.req.valid('query');
      const registry = await deps.symbols.registry();
      const specs = requested ? requested.map((s) => ({ asked: s, spec: registry.get(s) })) : registry.specs.map((spec) => ({ asked: spec.symbol, spec }));
      const known = specs.flatMap(({ spec }) => (spec ? [spec] : []));
      const found = new Map((await deps.market.features(known.map((s) => s.symbol))).map((l) => [l.symbol, l]));
      const now = deps.now();
      const items = known.flatMap((spec) => {
        const latest = found.get(spec.symbol);
        return latest ? [{ symbol: spec.symbol, features: latest.value, ...itemFreshness(latest.updatedAt, spec, now, deps.staleAfterMs) }] : [];
      });
      const missing = specs.filter(({ spec }) => !spec || !found.has(spec.symbol)).map(({ asked, spec }) => spec?.symbol ?? asked);
      setVersion(c, [items.map((i) => [i.symbol, i.features.computedAt, found.get(i.symbol)?.updatedAt, i.stale, i.marketOpen]), missing]);
      return c.json({ items, missing }, 200);
    })
    .openapi(oneRoute, async (c) => {
      const { symbol } = c.req.valid('param');
      const spec = await deps.symbols.require(symbol);
      const [latest] = await deps.market.features([spec.symbol]);
      if (!latest) throw new NotFoundError(`no features for ${spec.symbol} yet: the collector has not computed any`);
      const fresh = itemFreshness(latest.updatedAt, spec, deps.now(), deps.staleAfterMs);
      setVersion(c, [spec.symbol, latest.value.computedAt, latest.updatedAt, fresh.stale, fresh.marketOpen]);
      return c.json({ symbol: spec.symbol, features: latest.value, ...fresh }, 200);
    });
