import { createRoute, z } from '@hono/zod-openapi';
import { StaleDataError, NotFoundError, ValidationError } from '../errors';
import { itemFreshness } from '../freshness';
import { cacheControl } from '../middleware/cache-control';
import { etag, setVersion } from '../middleware/etag';
import { SignalItemSchema } from '../openapi/schemas';
import { ConditionalHeaders, KEYED, NOT_MODIFIED, ok, problems } from '../openapi/responses';
import { booleanFlag, SymbolParam } from '../params';
import type { MarketDataReader } from '../ports';
import type { SymbolLookup } from '../symbol-lookup';
import { router } from './router';

interface Deps {
  market: MarketDataReader;
  symbols: SymbolLookup;
  staleAfterMs: number;
  now: () => number;
}

const allowStale = booleanFlag('true: also stale signals (see `stale` and `ageMs`); false: never act on an old signal believing it current');

const common = {
  method: 'get' as const,
  tags: ['signals'],
  middleware: [etag(), cacheControl('private, max-age=1')],
};

const listRoute = createRoute({
  ...common,
  path: '/',
  summary: 'The current signals, best score first',
  request: {
    query: z.object({ minScore: z.coerce.number().min(0).max(1).default(0).openapi({ type: 'number', description: 'leave out signals scoring less' }), allowStale }),
    headers: ConditionalHeaders,
  },
  responses: {
    200: ok(z.object({ items: z.array(SignalItemSchema) }).openapi('Signals'), 'the signals; stale ones left out unless allowStale=true', 'private, max-age=1', { versioned: true }),
    304: NOT_MODIFIED,
    ...problems(...KEYED, 'invalid_request'),
  },
});

const oneRoute = createRoute({
  ...common,
  path: '/{symbol}',
  summary: 'The current signal of one symbol',
  request: {
    params: SymbolParam,
    query: z.object({
      broker: z
        .string()
        .regex(/^[\w.-]{1,32}$/)
        .optional()
        .openapi({ description: "a broker (`GET /v1/symbols` lists each symbol's): adds `brokerSymbol`, its name for the symbol", example: 'ftmo' }),
      allowStale,
    }),
    headers: ConditionalHeaders,
  },
  responses: {
    200: ok(SignalItemSchema.extend({ brokerSymbol: z.string().optional().openapi({ description: "with `broker`: that broker's name for the symbol" }) }).openapi('SignalOne'), 'the signal', 'private, max-age=1', {
      versioned: true,
    }),
    304: NOT_MODIFIED,
    ...problems(...KEYED, 'invalid_request', 'unknown_symbol', 'not_found', 'stale_data'),
  },
});

/**
 * Signals are refused when stale unless `allowStale=true`: a bot must never act on an old
 * signal believing it current (the seed's "features TTL 2 s" intent, made explicit).
 */
export const signalsRoute = (deps: Deps) =>
  router()
    .openapi(listRoute, async (c) => {
      const { minScore, allowStale } = c.req.valid('query');
      const registry = await deps.symbols.registry();
      const now = deps.now();
      const served = (await deps.market.signals()).flatMap(({ symbol, value, updatedAt }) => {
        const spec = registry.get(symbol);
        if (!spec || value.score < minScore) return [];
        const fresh = itemFreshness(updatedAt, spec, now, deps.staleAfterMs);
        return fresh.stale && !allowStale ? [] : [{ item: { ...value, ...fresh }, updatedAt }];
      });
      served.sort((a, b) => b.item.score - a.item.score || a.item.symbol.localeCompare(b.item.symbol));
      setVersion(c, served.map(({ item, updatedAt }) => [item.symbol, item.computedAt, updatedAt, item.stale, item.marketOpen]));
      return c.json({ items: served.map(({ item }) => item) }, 200);
    })
    .openapi(oneRoute, async (c) => {
      const { symbol } = c.req.valid('param');
      const { broker, allowStale } = c.req.valid('query');
      const registry = await deps.symbols.registry();
      const spec = registry.require(symbol);
      const brokers = [...new Set(registry.specs.flatMap((s) => Object.keys(s.brokers)))].sort();
      if (broker !== undefined && !brokers.includes(broker)) {
        throw new ValidationError([{ path: 'broker', message: `unknown broker "${broker}"; known brokers: ${brokers.join(', ') || 'none'}` }]);
      }
      const [latest] = await deps.market.signals([spec.symbol]);
      if (!latest) throw new NotFoundError(`no signal for ${spec.symbol} yet`);
      const fresh = itemFreshness(latest.updatedAt, spec, deps.now(), deps.staleAfterMs);
      if (fresh.stale && !allowStale) {
        throw new StaleDataError(`the ${spec.symbol} signal is ${fresh.ageMs ?? 'of unknown age'} ms old; add allowStale=true to get it anyway`);
      }
      const brokerSymbol = broker === undefined ? undefined : registry.brokerSymbol(spec.symbol, broker);
      setVersion(c, [spec.symbol, latest.value.computedAt, latest.updatedAt, fresh.stale, fresh.marketOpen, brokerSymbol]);
      return c.json({ ...latest.value, ...fresh, ...(brokerSymbol === undefined ? {} : { brokerSymbol }) }, 200);
    });
