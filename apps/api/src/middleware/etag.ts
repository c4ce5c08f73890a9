import type { Context, MiddlewareHandler } from 'hono';
import { fingerprint } from '../fingerprint';
import type { AppEnv } from '../ports';

/**
 * Declares what the response's data is a version of: the timestamps and values that change
 * whenever the data does (the newest bar, the forming bar, when the collector last polled,
 * the freshness flags). Cheap: a few numbers, not the body. `ageMs` is left out on purpose:
 * it grows every millisecond while the data stays the same, which is why the tag is weak.
 */
export function setVersion(c: Context<AppEnv>, parts: unknown[]): void {
  c.set('version', fingerprint(JSON.stringify(parts)));
}

/** Weak comparison (RFC 9110 §8.8.3.2) of an If-None-Match list against our tag. */
function matches(ifNoneMatch: string | undefined, tag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = tag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => {
    const t = candidate.trim();
    return t === '*' || t.replace(/^W\//, '') === opaque;
  });
}

const tagOf = (version: string) => `W/"${version}"`;

/**
 * Whether `If-None-Match` names the version set by `setVersion`: a route whose body is costly
 * asks this first and answers `c.body(null, 304)` without building it.
 */
export function notModified(c: Context<AppEnv>): boolean {
  const version = c.get('version');
  return version !== undefined && matches(c.req.header('if-none-match'), tagOf(version));
}

/**
 * A weak `ETag` on the 200 (or early 304) of a route that called `setVersion`, and a 304
 * without a body when `If-None-Match` names it: a bot polling every second then downloads the
 * bars only when they changed. Registered before `cacheControl`, so the 304 carries the same
 * Cache-Control.
 */
export const etag = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  await next();
  const version = c.get('version');
  if ((c.res.status !== 200 && c.res.status !== 304) || version === undefined) return;
  c.header('etag', tagOf(version));
  // Hono carries the 200's headers (but its Content-Type) over to the response set here.
  if (c.res.status === 200 && notModified(c)) c.res = new Response(null, { status: 304 });
};
