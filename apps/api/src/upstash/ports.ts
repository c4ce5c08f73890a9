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

/** The API's ports over one Upstash (or local bridge) endpoint, all through one REST client. */
export function upstashPorts({ url, token, prefix, rateLimitPerMinute }: UpstashPortsOptions): ApiPorts {
  const redis = new BinaryPipeline(url, token);
  const keys = redisKeys(prefix);
  return {
    market: new UpstashMarketDataReader(redis, keys),
    apiKeys: new UpstashApiKeyStore(redis, keys.apiKeys),
    rateLimiter: new UpstashRateLimiter(redis, { prefix: `${prefix}ratelimit`, perMinute: rateLimitPerMinute }),
  };
}
