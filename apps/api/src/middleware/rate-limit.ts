import type { MiddlewareHandler } from 'hono';
import { RateLimitedError } from '../errors';
import type { AppEnv, RateLimiter } from '../ports';

/**
 * Per-key rate limit (anonymous callers share one budget per client address). Sets the
 * IETF RateLimit-* headers on every response so clients can pace themselves.
 */
export const rateLimit =
  ({ limiter, now = Date.now }: { limiter: RateLimiter; now?: () => number }): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const caller = c.get('caller');
    const id = caller ? `key:${caller.keyHash}` : `anon:${c.req.header('cf-connecting-ip') ?? 'local'}`;
    const decision = await limiter.limit(id);
    const resetSeconds = Math.max(0, Math.ceil((decision.reset - now()) / 1000));
    const headers = {
      'ratelimit-limit': String(decision.limit),
      'ratelimit-remaining': String(Math.max(0, decision.remaining)),
      'ratelimit-reset': String(resetSeconds),
    };
    if (!decision.success) {
      const error = new RateLimitedError(Math.max(1, resetSeconds));
      Object.assign(error.headers, headers);
      throw error;
    }
    await next();
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
  };
