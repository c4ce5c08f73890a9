import { Hono } from 'hono';
import { z } from 'zod';
import { NotFoundError, StaleDataError } from '../errors';
import { itemFreshness } from '../freshness';
import { cacheControl } from '../middleware/cache-control';
import { booleanFlag, SymbolParam } from '../params';
import type { AppEnv, MarketDataReader } from '../ports';
import type { SymbolLookup } from '../symbol-lookup';
import { parseInput } from '../validation';

interface Deps {
  market: MarketDataReader;
  symbols: SymbolLookup;
  staleAfterMs: number;
  now: () => number;
}

const ListQuery = z.object({ minScore: z.coerce.number().min(0).max(1).default(0), allowStale: booleanFlag });
const OneQuery = z.object({ broker: z.string().regex(/^[\w.-]{1,32}$/).optional(), allowStale: booleanFlag });

/**
 * Signals are refused when stale unless `allowStale=true`: a bot must never act on an old
 * signal believing it current (the seed's "features TTL 2 s" intent, made explicit).
 *
 * `GET /v1/signals?minScore=&allowStale=` → `{ items: [Signal + ageMs, stale, marketOpen] }`,
 * best score first; `GET /v1/signals/{symbol}?broker=&allowStale=` → one, with `brokerSymbol`
 * when a broker is named (its alias, or the canonical name if it has none).
 */
export const signalsRoute = (deps: Deps) =>
  new Hono<AppEnv>()
    .use(cacheControl('private, max-age=1'))
    .get('/', async (c) => {
      const { minScore, allowStale } = parseInput(ListQuery, c.req.query());
      const registry = await deps.symbols.registry();
      const now = deps.now();
      const items = (await deps.market.signals()).flatMap(({ symbol, value, updatedAt }) => {
        const spec = registry.get(symbol);
        if (!spec || value.score < minScore) return [];
        const fresh = itemFreshness(updatedAt, spec, now, deps.staleAfterMs);
        return fresh.stale && !allowStale ? [] : [{ ...value, ...fresh }];
      });
      items.sort((a, b) => b.score - a.score || a.symbol.localeCompare(b.symbol));
      return c.json({ items });
    })
    .get('/:symbol', async (c) => {
      const { symbol } = parseInput(SymbolParam, c.req.param());
      const { broker, allowStale } = parseInput(OneQuery, c.req.query());
      const registry = await deps.symbols.registry();
      const spec = registry.require(symbol);
      const [latest] = await deps.market.signals([spec.symbol]);
      if (!latest) throw new NotFoundError(`no signal for ${spec.symbol} yet`);
      const fresh = itemFreshness(latest.updatedAt, spec, deps.now(), deps.staleAfterMs);
      if (fresh.stale && !allowStale) {
        throw new StaleDataError(`the ${spec.symbol} signal is ${fresh.ageMs ?? 'of unknown age'} ms old; add allowStale=true to get it anyway`);
      }
      return c.json({ ...latest.value, ...fresh, ...(broker ? { brokerSymbol: registry.brokerSymbol(spec.symbol, broker) } : {}) });
    });
