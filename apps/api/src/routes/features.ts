import { Hono } from 'hono';
import { z } from 'zod';
import { NotFoundError } from '../errors';
import { itemFreshness } from '../freshness';
import { cacheControl } from '../middleware/cache-control';
import { SymbolParam, symbolList } from '../params';
import type { AppEnv, MarketDataReader } from '../ports';
import type { SymbolLookup } from '../symbol-lookup';
import { parseInput } from '../validation';

interface Deps {
  market: MarketDataReader;
  symbols: SymbolLookup;
  staleAfterMs: number;
  now: () => number;
}

const BatchQuery = z.object({ symbols: symbolList.optional() });

/**
 * `GET /v1/features/{symbol}` → `{ symbol, features, ageMs, stale, marketOpen }`;
 * `GET /v1/features?symbols=A,B` → `{ items: [ … ], missing: [ … ] }`, every symbol when
 * `symbols` is absent. A batch never fails for one symbol: unknown names and symbols without
 * features yet are listed in `missing`.
 */
export const featuresRoute = (deps: Deps) =>
  new Hono<AppEnv>()
    .use(cacheControl('private, max-age=1'))
    .get('/', async (c) => {
      const { symbols: requested } = parseInput(BatchQuery, c.req.query());
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
      return c.json({ items, missing });
    })
    .get('/:symbol', async (c) => {
      const { symbol } = parseInput(SymbolParam, c.req.param());
      const spec = await deps.symbols.require(symbol);
      const [latest] = await deps.market.features([spec.symbol]);
      if (!latest) throw new NotFoundError(`no features for ${spec.symbol} yet: the collector has not computed any`);
      return c.json({ symbol: spec.symbol, features: latest.value, ...itemFreshness(latest.updatedAt, spec, deps.now(), deps.staleAfterMs) });
    });
