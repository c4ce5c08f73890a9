import { Hono } from 'hono';
import { isMarketOpen } from '@marketpipe/core';
import { cacheControl } from '../middleware/cache-control';
import type { AppEnv } from '../ports';
import type { SymbolLookup } from '../symbol-lookup';

/** `GET /v1/symbols`: what is collected, how brokers name it, and whether its market is open. */
export const symbolsRoute = ({ symbols, now }: { symbols: SymbolLookup; now: () => number }) =>
  new Hono<AppEnv>().get('/', cacheControl('private, max-age=10'), async (c) => {
    const t = now();
    const registry = await symbols.registry();
    return c.json({
      symbols: registry.specs.map((s) => ({
        symbol: s.symbol,
        assetClass: s.assetClass,
        precision: s.precision,
        session: s.session,
        brokers: s.brokers,
        marketOpen: isMarketOpen(s.session, t),
      })),
    });
  });
