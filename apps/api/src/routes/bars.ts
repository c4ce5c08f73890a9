import { Hono } from 'hono';
import { z } from 'zod';
import { itemFreshness } from '../freshness';
import { cacheControl } from '../middleware/cache-control';
import type { AppEnv, MarketDataReader } from '../ports';
import type { SymbolLookup } from '../symbol-lookup';
import { parseInput } from '../validation';
import { SymbolParam } from '../params';

export const MAX_BARS = 5_000;

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
    const { symbol } = parseInput(SymbolParam, c.req.param());
    const { interval, limit } = parseInput(Query, c.req.query());
    const spec = await deps.symbols.require(symbol);
    const { bars, updatedAt } = await deps.market.bars(spec.symbol, interval, limit);
    // Without a last-seen time the newest bar's open time is the best (oldest) guess.
    const asOf = updatedAt ?? bars.at(-1)?.ts ?? null;
    return c.json({ symbol: spec.symbol, interval, bars, ...itemFreshness(asOf, spec, deps.now(), deps.staleAfterMs) });
  });
