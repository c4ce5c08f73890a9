import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis/cloudflare';
import { UpstreamError } from '../errors';
import type { RateLimitDecision, RateLimiter } from '../ports';

/**
 * A sliding window per identifier in Redis. The ephemeral cache lives as long as the isolate
 * and answers blocked identifiers without a round trip until their window resets.
 */
export class UpstashRateLimiter implements RateLimiter {
  readonly #ratelimit: Ratelimit;

  constructor(redis: Redis, { prefix, perMinute }: { prefix: string; perMinute: number }) {
    this.#ratelimit = new Ratelimit({
      redis,
      prefix,
      limiter: Ratelimit.slidingWindow(perMinute, '60 s'),
      ephemeralCache: new Map(),
      analytics: false,
    });
  }

  async limit(identifier: string): Promise<RateLimitDecision> {
    try {
      const { success, limit, remaining, reset, pending } = await this.#ratelimit.limit(identifier);
      return { success, limit, remaining, reset, pending };
    } catch (cause) {
      throw new UpstreamError('rate limiter unavailable', { cause });
    }
  }
}
