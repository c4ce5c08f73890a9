import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../ports';

/** FNV-1a over two 32-bit lanes (different offset bases): 64 bits, no allocation, sync. */
function hash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    a = Math.imul(a ^ ch, 0x01000193);
    b = Math.imul(b ^ ch, 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/**
 * Declares what the response's data is a version of: the timestamps and values that change
 * whenever the data does (the newest bar, the forming bar, when the collector last polled,
 * the freshness flags). Cheap: a few numbers, not the body. `ageMs` is left out on purpose:
 * it grows every millisecond while the data stays the same, which is why the tag is weak.
 */
export function setVersion(c: Context<AppEnv>, parts: unknown[]): void {
  c.set('version', hash(JSON.stringify(parts)));
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

/**
 * A weak `ETag` on the 200 of a route that called `setVersion`, and a 304 without a body when
 * `If-None-Match` names it: a bot polling every second then downloads the bars only when they
 * changed. Registered before `cacheControl`, so the 304 carries the same Cache-Control.
 */
export const etag = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  await next();
  const version = c.get('version');
  if (c.res.status !== 200 || version === undefined) return;
  const tag = `W/"${version}"`;
  c.header('etag', tag);
  // Hono carries the 200's headers (but its Content-Type) over to the response set here.
  if (matches(c.req.header('if-none-match'), tag)) c.res = new Response(null, { status: 304 });
};
