import type { ApiConfig, WorkerEnv } from '../env';
import { BinaryPipeline } from '../upstash/binary-pipeline';
import { UpstashRateLimiter } from '../upstash/rate-limiter';
import type { StreamBindings } from './route';

/**
 * The stream's pieces from the Worker's bindings; undefined without the STREAM_HUB Durable
 * Object binding (then /v1/stream is not served). Connection attempts have their own budget,
 * apart from the requests': one reconnect storm must not eat a bot's REST budget.
 */
export function streamBindings(env: WorkerEnv, config: ApiConfig): StreamBindings | undefined {
  if (!env.STREAM_HUB) return undefined;
  const redis = new BinaryPipeline(config.UPSTASH_REDIS_REST_URL, config.UPSTASH_REDIS_REST_TOKEN);
  return {
    hub: env.STREAM_HUB,
    connectLimiter: new UpstashRateLimiter(redis, { prefix: `${config.REDIS_PREFIX}ratelimit:stream`, perMinute: config.STREAM_CONNECTS_PER_MINUTE }),
  };
}
