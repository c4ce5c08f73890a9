import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis/cloudflare';
import type { RateLimitDecision, RateLimiter } from '../ports';
import { viaRest } from './rest-failure';

/**
 * A sliding window per identifier in Redis. The ephemeral cache lives as long as the isolate
 * and answers blocked identifiers without a round trip until their window resets.
 *
 * Fails closed: while Redis is unreachable it cannot count, so the request gets the 503 that
 * names the cause. Failing open would pass every request on to a data route that needs
 * Redis too (a second failing round trip per request, to an endpoint that is struggling)
 * and leave the API unlimited exactly while it is weakest.
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
      // Its default lets a request pass after 5 s without an answer, failing open; the REST
      // client's own timeout ends the wait instead, as a 503.
      timeout: 0,
    });
  }

  async limit(identifier: string): Promise<RateLimitDecision> {
    const { success, limit, remaining, reset, pending } = await viaRest('rate limit check', () => this.#ratelimit.limit(identifier));
    return { success, limit, remaining, reset, pending };
  }
}
