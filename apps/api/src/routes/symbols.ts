import { createRoute, z } from '@hono/zod-openapi';
import { isMarketOpen } from '@marketpipe/core';
import { cacheControl } from '../middleware/cache-control';
import { SymbolSchema } from '../openapi/schemas';
import { KEYED, ok, problems } from '../openapi/responses';
import type { SymbolLookup } from '../symbol-lookup';
import { router } from './router';

const route = createRoute({
  method: 'get',
  path: '/',
  tags: ['market data'],
  summary: 'The collected symbols',
  description: 'What is collected, how brokers name it, and whether its market is open.',
  middleware: [cacheControl('private, max-age=10')] as const,
  responses: {
    200: ok(z.object({ symbols: z.array(SymbolSchema) }).openapi('Symbols'), 'every symbol the collectors publish', 'private, max-age=10'),
    ...problems(...KEYED),
  },
});

/** `GET /v1/symbols`. */
export const symbolsRoute = ({ symbols, now }: { symbols: SymbolLookup; now: () => number }) =>
  router().openapi(route, async (c) => {
    const t = now();
    const registry = await symbols.registry();
    return c.json(
      {
        symbols: registry.specs.map((s) => ({
          symbol: s.symbol,
          assetClass: s.assetClass,
          precision: s.precision,
          session: s.session,
          brokers: s.brokers,
          marketOpen: isMarketOpen(s.session, t),
        })),
      },
      200,
    );
  });
