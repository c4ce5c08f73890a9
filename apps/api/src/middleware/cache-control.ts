import type { MiddlewareHandler } from 'hono';

/**
 * Sets Cache-Control on successful responses and 304s only (errors carry `no-store` from the
 * problem handler). Market data changes every second, so data routes say `max-age=1`.
 */
export const cacheControl =
  (value: string): MiddlewareHandler =>
  async (c, next) => {
    await next();
    if ((c.res.ok || c.res.status === 304) && !c.res.headers.has('cache-control')) c.header('cache-control', value);
  };
