import { Hono } from 'hono';
import { z } from 'zod';
import { freshness } from '@marketpipe/core';
import { cacheControl } from '../middleware/cache-control';
import type { AppEnv, MarketDataReader } from '../ports';
import type { SymbolLookup } from '../symbol-lookup';
import { parseInput } from '../validation';

export const MAX_BARS = 5_000;

const Params = z.object({ symbol: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'not a symbol name') });
const Query = z.object({
  // Only the base interval is stored; higher ones will be resampled from it in core.
  interval: z.enum(['1m']).default('1m'),
  limit: z.coerce.number().int().min(1).max(MAX_BARS).default(100),
});

/**
 * `GET /v1/bars/{symbol}?interval=1m&limit=N`: the last N bars, oldest first, the forming
 * bar last, with the freshness of the symbol's data.
 */
export const barsRoute = (deps: { market: MarketDataReader; symbols: SymbolLookup; staleAfterMs: number; now: () => number }) =>
  new Hono<AppEnv>().get('/:symbol', cacheControl('private, max-age=1'), async (c) => {
    const { symbol } = parseInput(Params, c.req.param());
    const { interval, limit } = parseInput(Query, c.req.query());
    const spec = await deps.symbols.require(symbol);
    const { bars, updatedAt } = await deps.market.bars(spec.symbol, interval, limit);
    const asOf = updatedAt ?? bars.at(-1)?.ts ?? null;
    const fresh =
      asOf === null
        ? { ageMs: null, stale: true, marketOpen: freshness(0, deps.now(), spec.session, deps.staleAfterMs).marketOpen }
        : freshness(asOf, deps.now(), spec.session, deps.staleAfterMs);
    return c.json({ symbol: spec.symbol, interval, bars, ...fresh });
  });
