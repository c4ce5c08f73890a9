import { Redis } from '@upstash/redis/cloudflare';
import { redisKeys } from '@marketpipe/core';
import type { ApiPorts } from '../ports';
import { UpstashApiKeyStore } from './api-keys';
import { BinaryPipeline } from './binary-pipeline';
import { UpstashMarketDataReader } from './market-data';
import { UpstashRateLimiter } from './rate-limiter';
import { REST_TIMEOUT_MS } from './rest-failure';

export interface UpstashPortsOptions {
  url: string;
  token: string;
  prefix: string;
  rateLimitPerMinute: number;
}

/** The API's ports over one Upstash (or local bridge) endpoint. */
export function upstashPorts({ url, token, prefix, rateLimitPerMinute }: UpstashPortsOptions): ApiPorts {
  // Few, quick retries and a bounded wait: a request must fail fast (503) rather than hang
  // when Redis is away. A function, so each request gets its own deadline.
  const redis = new Redis({
    url,
    token,
    enableTelemetry: false,
    retry: { retries: 2, backoff: (n) => 50 * 2 ** n },
    signal: () => AbortSignal.timeout(REST_TIMEOUT_MS),
  });
  const keys = redisKeys(prefix);
  return {
    market: new UpstashMarketDataReader(redis, new BinaryPipeline(url, token), keys),
    apiKeys: new UpstashApiKeyStore(redis, keys.apiKeys),
    rateLimiter: new UpstashRateLimiter(redis, { prefix: `${prefix}ratelimit`, perMinute: rateLimitPerMinute }),
  };
}
