import type { OpenAPIHono } from '@hono/zod-openapi';
import { createApp } from './app';
import { loadApiConfig, type WorkerEnv } from './env';
import { problemResponse } from './middleware/problem';
import type { AppEnv } from './ports';
import { upstashPorts } from './upstash/ports';
import { streamBindings } from './stream/bindings';

// wrangler.toml binds the stream groups' Durable Object class by this export.
export { StreamHub } from './stream/hub';

/** Builds the app over Upstash from the Worker's bindings. */
export function buildApp(env: WorkerEnv): OpenAPIHono<AppEnv> {
  const config = loadApiConfig(env);
  return createApp(
    upstashPorts({
      url: config.UPSTASH_REDIS_REST_URL,
      token: config.UPSTASH_REDIS_REST_TOKEN,
      prefix: config.REDIS_PREFIX,
      rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    }),
    { auth: config.API_AUTH, staleAfterMs: config.STALE_AFTER_MS, corsOrigins: config.CORS_ORIGINS, benchRoutes: config.BENCH_ROUTES, stream: streamBindings(env, config) },
  );
}

// One app per isolate (bindings do not change within one): its caches of API keys, symbols
// and rate-limit blocks then outlive a request.
let app: OpenAPIHono<AppEnv> | undefined;

export default {
  fetch(request, env, ctx) {
    try {
      app ??= buildApp(env);
    } catch (error) {
      // A configuration error still answers as problem+json, naming the bad bindings.
      return problemResponse(error, request.url);
    }
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<WorkerEnv>;
