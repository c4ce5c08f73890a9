import { createRoute, z } from '@hono/zod-openapi';
import { StaleDataError, NotFoundError, ValidationError } from '../errors';
import { freshnessAt, itemFreshness } from '../freshness';
import { requireComputed } from '../intervals';
import { cacheControl } from '../middleware/cache-control';
import { etag, setVersion } from '../middleware/etag';
import { IntervalSchema, SignalItemSchema } from '../openapi/schemas';
import { ConditionalHeaders, KEYED, NOT_MODIFIED, ok, problems } from '../openapi/responses';
import { booleanFlag, COMPUTED_INTERVAL, intervalParam, SymbolParam } from '../params';
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

const interval = intervalParam(COMPUTED_INTERVAL);

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
    query: z.object({
      minScore: z.coerce.number().min(0).max(1).default(0).openapi({ type: 'number', description: 'leave out signals scoring less' }),
      allowStale,
      interval,
    }),
    headers: ConditionalHeaders,
  },
  responses: {
    200: ok(z.object({ interval: IntervalSchema, items: z.array(SignalItemSchema) }).openapi('Signals'), 'the signals; stale ones left out unless allowStale=true', 'private, max-age=1', {
      versioned: true,
    }),
    304: NOT_MODIFIED,
    ...problems(...KEYED, 'invalid_request', 'interval_unavailable'),
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
      interval,
    }),
    headers: ConditionalHeaders,
  },
  responses: {
    200: ok(SignalItemSchema.extend({ interval: IntervalSchema, brokerSymbol: z.string().optional().openapi({ description: "with `broker`: that broker's name for the symbol" }) }).openapi('SignalOne'), 'the signal', 'private, max-age=1', {
      versioned: true,
    }),
    304: NOT_MODIFIED,
    ...problems(...KEYED, 'invalid_request', 'unknown_symbol', 'not_found', 'stale_data', 'interval_unavailable'),
  },
});

/**
 * Signals are refused when stale unless `allowStale=true`: a bot must never act on an old
 * signal believing it current (the seed's "features TTL 2 s" intent, made explicit).
 */
export const signalsRoute = (deps: Deps) =>
  router()
    .openapi(listRoute, async (c) => {
      const { minScore, allowStale, interval } = c.req.valid('query');
      const registry = await deps.symbols.registry();
      // Every symbol's signal and last-seen time in one round trip, 1,000 symbols or 5.
      const all = await deps.market.signals(interval);
      if (all.length === 0) await requireComputed(deps.market, 'signals', interval);
      const freshnessOf = freshnessAt(deps.now(), deps.staleAfterMs);
      const served = all.flatMap(({ symbol, value, updatedAt }) => {
        const spec = registry.get(symbol);
        if (!spec || value.score < minScore) return [];
        const fresh = freshnessOf(updatedAt, spec);
        return fresh.stale && !allowStale ? [] : [{ item: { ...value, ...fresh }, updatedAt }];
      });
      // Ties by name in code-unit order: localeCompare costs an Intl collation per comparison.
      served.sort((a, b) => b.item.score - a.item.score || (a.item.symbol < b.item.symbol ? -1 : a.item.symbol > b.item.symbol ? 1 : 0));
      setVersion(c, served.map(({ item, updatedAt }) => [item.symbol, item.computedAt, updatedAt, item.stale, item.marketOpen]));
      return c.json({ interval, items: served.map(({ item }) => item) }, 200);
    })
    .openapi(oneRoute, async (c) => {
      const { symbol } = c.req.valid('param');
      const { broker, allowStale, interval } = c.req.valid('query');
      const registry = await deps.symbols.registry();
      const spec = registry.require(symbol);
      const brokers = [...new Set(registry.specs.flatMap((s) => Object.keys(s.brokers)))].sort();
      if (broker !== undefined && !brokers.includes(broker)) {
        throw new ValidationError([{ path: 'broker', message: `unknown broker "${broker}"; known brokers: ${brokers.join(', ') || 'none'}` }]);
      }
      const [latest] = await deps.market.signals(interval, [spec.symbol]);
      if (!latest) {
        await requireComputed(deps.market, 'signals', interval);
        throw new NotFoundError(`no ${interval} signal for ${spec.symbol} yet`);
      }
      const fresh = itemFreshness(latest.updatedAt, spec, deps.now(), deps.staleAfterMs);
      if (fresh.stale && !allowStale) {
        throw new StaleDataError(`the ${interval} ${spec.symbol} signal is ${fresh.ageMs ?? 'of unknown age'} ms old; add allowStale=true to get it anyway`);
      }
      const brokerSymbol = broker === undefined ? undefined : registry.brokerSymbol(spec.symbol, broker);
      setVersion(c, [spec.symbol, latest.value.computedAt, latest.updatedAt, fresh.stale, fresh.marketOpen, brokerSymbol]);
      return c.json({ ...latest.value, interval, ...fresh, ...(brokerSymbol === undefined ? {} : { brokerSymbol }) }, 200);
    });
