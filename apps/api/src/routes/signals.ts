import { createRoute, z } from '@hono/zod-openapi';
import { StaleDataError, NotFoundError, ValidationError } from '../errors';
import { itemFreshness } from '../freshness';
import { requireComputed } from '../intervals';
import { cacheControl } from '../middleware/cache-control';
import { etag, notModified, setVersion } from '../middleware/etag';
import { IntervalSchema, SignalItemSchema } from '../openapi/schemas';
import { ConditionalHeaders, KEYED, NOT_MODIFIED, ok, problems } from '../openapi/responses';
import { booleanFlag, COMPUTED_INTERVAL, intervalParam, SymbolParam } from '../params';
import type { MarketDataReader } from '../ports';
import { SignalBoard } from '../signal-board';
import { listingOf } from '../signal-listing';
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
 *
 * The list costs one Redis round trip that, while the collector has written nothing new, only
 * returns its write counter (SignalBoard); its ETag is known before any body is built, so a
 * 304 builds none, and a 200 splices each request's ages into signals serialised once per write.
 */
export const signalsRoute = (deps: Deps) => {
  const board = new SignalBoard(deps.market);
  return router()
    .openapi(listRoute, async (c) => {
      const { minScore, allowStale, interval } = c.req.valid('query');
      const registry = await deps.symbols.registry();
      const snapshot = await board.read(interval);
      if (snapshot.entries.length === 0) await requireComputed(deps.market, 'signals', interval);
      const view = listingOf(snapshot, registry).at({ now: deps.now(), staleAfterMs: deps.staleAfterMs, interval, minScore, allowStale });
      setVersion(c, view.version);
      if (notModified(c)) return c.body(null, 304);
      return c.body(view.body(), 200, { 'content-type': 'application/json' });
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
};
