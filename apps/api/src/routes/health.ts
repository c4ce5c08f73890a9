import { Hono } from 'hono';
import { cacheControl } from '../middleware/cache-control';
import type { AppEnv, MarketDataReader } from '../ports';

/**
 * `GET /v1/health`: is a collector feeding Redis? 200 when the newest heartbeat is younger
 * than `staleAfterMs`, 503 otherwise, so an uptime check can alert on the status alone.
 * Public: it reveals no market data.
 */
export const healthRoute = ({ market, staleAfterMs, now }: { market: MarketDataReader; staleAfterMs: number; now: () => number }) =>
  new Hono<AppEnv>().get('/', cacheControl('no-store'), async (c) => {
    const t = now();
    const collectors = (await market.heartbeats())
      .map((h) => ({ ...h, ageMs: Math.max(0, t - h.at) }))
      .sort((a, b) => a.ageMs - b.ageMs);
    const ageMs = collectors[0]?.ageMs ?? null;
    const ok = ageMs !== null && ageMs <= staleAfterMs;
    return c.json({ status: ok ? 'ok' : collectors.length ? 'stale' : 'down', ageMs, staleAfterMs, collectors }, ok ? 200 : 503);
  });
