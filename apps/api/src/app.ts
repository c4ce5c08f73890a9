import { OpenAPIHono } from '@hono/zod-openapi';
import { apiKeyAuth, type AuthMode } from './middleware/auth';
import { corsFor } from './middleware/cors';
import { methodGuard } from './middleware/method-guard';
import { problemJson, problemNotFound } from './middleware/problem';
import { rateLimit } from './middleware/rate-limit';
import { serveReference } from './openapi/document';
import type { ApiPorts, AppEnv } from './ports';
import { barsRoute } from './routes/bars';
import { benchRoute } from './routes/bench';
import { featuresRoute } from './routes/features';
import { healthRoute } from './routes/health';
import { signalsRoute } from './routes/signals';
import { symbolsRoute } from './routes/symbols';
import { streamRoute, type StreamBindings } from './stream/route';
import { SymbolLookup } from './symbol-lookup';
import { rejectInvalid } from './validation';

export interface AppOptions {
  auth: AuthMode;
  /** data older than this while the market is open is `stale` (STALE_AFTER_MS) */
  staleAfterMs: number;
  /** browser origins allowed by CORS (`*` for any); none by default (CORS_ORIGINS) */
  corsOrigins?: readonly string[];
  /** mount the benchmark's reference routes under /v1/bench (BENCH_ROUTES=1); never in production */
  benchRoutes?: boolean;
  /** the push stream's Durable Object and connection limiter; /v1/stream is served only with them */
  stream?: StreamBindings;
  now?: () => number;
}

/**
 * The API over its ports. The Worker gives it Upstash-backed ports; tests give it the same
 * over the local bridge, or in-memory ones.
 */
export function createApp(ports: ApiPorts, options: AppOptions): OpenAPIHono<AppEnv> {
  const now = options.now ?? Date.now;
  const symbols = new SymbolLookup(ports.market, 10_000, now);
  const app = new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalid });
  app.onError(problemJson());
  app.notFound(problemNotFound());

  // Before everything else: a preflight or a wrong method needs no key and no rate limit.
  if (options.corsOrigins?.length) app.use('*', corsFor(options.corsOrigins));
  app.use('*', methodGuard(() => app.routes));

  // Public, and mounted before the auth middleware, which therefore never sees them.
  serveReference(app, { auth: options.auth });
  app.route('/v1/health', healthRoute({ market: ports.market, staleAfterMs: options.staleAfterMs, now }));

  // Before the /v1 auth: the stream also takes its key as ?access_token= (browsers send no headers on WebSocket or EventSource).
  if (options.stream) app.route('/v1/stream', streamRoute({ ...options.stream, apiKeys: ports.apiKeys, symbols, auth: options.auth }));
  app.use('/v1/*', apiKeyAuth({ store: ports.apiKeys, mode: options.auth }));
  app.use('/v1/*', rateLimit({ limiter: ports.rateLimiter, now }));
  app.route('/v1/symbols', symbolsRoute({ symbols, now }));
  const data = { market: ports.market, symbols, staleAfterMs: options.staleAfterMs, now };
  app.route('/v1/bars', barsRoute(data));
  app.route('/v1/features', featuresRoute(data));
  app.route('/v1/signals', signalsRoute(data));
  if (options.benchRoutes) app.route('/v1/bench', benchRoute(data));
  return app;
}
