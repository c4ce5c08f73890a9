import type { MiddlewareHandler } from 'hono';
import { UnauthorizedError } from '../errors';
import type { ApiKeyStore, AppEnv } from '../ports';

export type AuthMode = 'required' | 'optional';

/** Hex SHA-256 of an API key: what `md:v1:apikeys` is keyed by. */
export async function hashApiKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Bearer API-key auth. `required` (production) refuses anonymous requests; `optional` (the
 * local demo) lets them through as an anonymous caller. A key that is presented is always
 * verified, in both modes: a wrong key is an error, never silently anonymous.
 */
export const apiKeyAuth =
  ({ store, mode }: { store: ApiKeyStore; mode: AuthMode }): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) {
      if (mode === 'required') throw new UnauthorizedError('send an API key as "Authorization: Bearer <key>"');
      c.set('caller', null);
      return next();
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new UnauthorizedError('the Authorization header must be "Bearer <key>"');
    const keyHash = await hashApiKey(match[1]);
    const record = await store.find(keyHash);
    if (!record || record.revoked) throw new UnauthorizedError('unknown or revoked API key');
    c.set('caller', { keyHash, name: record.name });
    return next();
  };
