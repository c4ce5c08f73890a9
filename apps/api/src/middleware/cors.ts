import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/**
 * CORS for browser clients on the origins in `CORS_ORIGINS` (`*` for any). Off by default: an
 * API key in a web page is readable by anyone who loads it, so serving browsers is a choice
 * to make per deployment. No credentials mode: keys travel in `Authorization`, never in
 * cookies. Errors carry the headers too (Hono copies them onto the problem response), so a
 * page can read a 401 or 429 as well as a 200.
 */
export function corsFor(origins: readonly string[]): MiddlewareHandler {
  return cors({
    origin: origins.includes('*') ? '*' : [...origins],
    allowMethods: ['GET', 'HEAD', 'OPTIONS'],
    allowHeaders: ['Authorization', 'If-None-Match'],
    exposeHeaders: ['ETag', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'WWW-Authenticate', 'Allow'],
    maxAge: 600,
  });
}
