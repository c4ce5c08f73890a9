import { Hono } from 'hono';
import type { AppEnv, MarketDataReader } from '../ports';

/**
 * The benchmark's two reference routes (`npm run bench -w @marketpipe/api`), mounted only
 * when BENCH_ROUTES=1 and so never in production nor in the OpenAPI document. They sit
 * behind the same auth and rate limit as the data routes, so a data route's distance from
 * `ping` is what its read, decoding and JSON cost beyond one Redis round trip
 * (docs/architecture.md §8), and `ping`'s distance from `constant` is the round trip itself.
 */
export const benchRoute = ({ market }: { market: MarketDataReader }) =>
  new Hono<AppEnv>()
    .get('/constant', (c) => c.json({ ok: true }))
    .get('/ping', async (c) => {
      await market.ping();
      return c.json({ ok: true });
    });
