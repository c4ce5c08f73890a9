import { Redis } from '@upstash/redis/cloudflare';
import { redisKeys } from '@marketpipe/core';
import type { ApiPorts } from '../ports';
import { UpstashApiKeyStore } from './api-keys';
import { BinaryPipeline } from './binary-pipeline';
import { UpstashMarketDataReader } from './market-data';
import { UpstashRateLimiter } from './rate-limiter';

export interface UpstashPortsOptions {
  url: string;
  token: string;
  prefix: string;
  rateLimitPerMinute: number;
}

/** The API's ports over one Upstash (or local bridge) endpoint. */
export function upstashPorts({ url, token, prefix, rateLimitPerMinute }: UpstashPortsOptions): ApiPorts {
  // Few, quick retries: a request must fail fast (503) rather than hang when Redis is away.
  const redis = new Redis({ url, token, enableTelemetry: false, retry: { retries: 2, backoff: (n) => 50 * 2 ** n } });
  const keys = redisKeys(prefix);
  return {
    market: new UpstashMarketDataReader(redis, new BinaryPipeline(url, token), keys),
    apiKeys: new UpstashApiKeyStore(redis, keys.apiKeys),
    rateLimiter: new UpstashRateLimiter(redis, { prefix: `${prefix}ratelimit`, perMinute: rateLimitPerMinute }),
  };
}
