import { z } from 'zod';
import { DEFAULT_REDIS_PREFIX } from '@marketpipe/core';
import { ConfigError } from './errors';

/** Worker bindings (wrangler.toml `[vars]`, secrets, or `.dev.vars` under `wrangler dev`). */
export interface WorkerEnv {
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  /** `required` (default, production) | `optional` (local demo: anonymous requests allowed) */
  API_AUTH?: string;
  REDIS_PREFIX?: string;
  STALE_AFTER_MS?: string;
  RATE_LIMIT_PER_MINUTE?: string;
  /** comma-separated browser origins allowed by CORS, `*` for any; none by default */
  CORS_ORIGINS?: string;
  /** new /v1/stream connections per minute per key (or anonymous address) */
  STREAM_CONNECTS_PER_MINUTE?: string;
  /** open /v1/stream connections per key (or anonymous address) and interval */
  STREAM_MAX_PER_KEY?: string;
  /** the stream groups' Durable Object (wrangler.toml [durable_objects]) */
  STREAM_HUB?: DurableObjectNamespace;
  /** `1`: also serve the benchmark's reference routes under /v1/bench (never set in production) */
  BENCH_ROUTES?: string;
}

/** `https://app.example.com` exactly: an origin is scheme, host and port, nothing more. */
const origin = z.string().refine((s) => s === '*' || URL.parse(s)?.origin === s, 'not an origin (scheme://host[:port]) or *');

const EnvSchema = z.object({
  UPSTASH_REDIS_REST_URL: z.url({ protocol: /^https?$/ }),
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1),
  API_AUTH: z.enum(['required', 'optional']).default('required'),
  REDIS_PREFIX: z.string().min(1).default(DEFAULT_REDIS_PREFIX),
  STALE_AFTER_MS: z.coerce.number().int().positive().default(5_000),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
  STREAM_CONNECTS_PER_MINUTE: z.coerce.number().int().positive().default(30),
  STREAM_MAX_PER_KEY: z.coerce.number().int().positive().default(20),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(origin)),
  BENCH_ROUTES: z
    .enum(['0', '1'])
    .default('0')
    .transform((v) => v === '1'),
});

export type ApiConfig = z.infer<typeof EnvSchema>;

/** Parses the bindings once per isolate; an error names every bad variable. */
export function loadApiConfig(env: WorkerEnv): ApiConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return parsed.data;
}
