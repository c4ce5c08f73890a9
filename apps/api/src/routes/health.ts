import { createRoute } from '@hono/zod-openapi';
import { cacheControl } from '../middleware/cache-control';
import { HealthSchema } from '../openapi/schemas';
import { ALWAYS, ok, problems } from '../openapi/responses';
import type { MarketDataReader } from '../ports';
import { router } from './router';

const failures = problems(...ALWAYS);

const route = createRoute({
  method: 'get',
  path: '/',
  tags: ['operations'],
  summary: 'Is a collector feeding the store?',
  description: 'Public. 200 when the newest collector heartbeat is at most `staleAfterMs` old, 503 otherwise, so an uptime check can alert on the status alone.',
  security: [],
  middleware: [cacheControl('no-store')] as const,
  responses: {
    200: ok(HealthSchema, 'a collector is feeding Redis', 'no-store', { keyed: false }),
    ...failures,
    // A stale or missing heartbeat is a 503 with the health body; a failed Redis call, a 503 problem.
    503: {
      ...failures[503],
      description: `no fresh heartbeat (\`stale\` or \`down\`), as JSON; or ${failures[503]?.description}, as problem+json`,
      content: { 'application/json': { schema: HealthSchema }, ...failures[503]?.content },
    },
  },
});

/** `GET /v1/health`: public; it reveals no market data. */
export const healthRoute = ({ market, staleAfterMs, now }: { market: MarketDataReader; staleAfterMs: number; now: () => number }) =>
  router().openapi(route, async (c) => {
    const t = now();
    const collectors = (await market.heartbeats())
      .map((h) => ({ ...h, ageMs: Math.max(0, t - h.at) }))
      .sort((a, b) => a.ageMs - b.ageMs);
    const ageMs = collectors[0]?.ageMs ?? null;
    const ok = ageMs !== null && ageMs <= staleAfterMs;
    const body = { status: ok ? ('ok' as const) : collectors.length ? ('stale' as const) : ('down' as const), ageMs, staleAfterMs, collectors };
    return ok ? c.json(body, 200) : c.json(body, 503);
  });
