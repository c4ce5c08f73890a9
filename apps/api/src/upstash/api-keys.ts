import type { Redis } from '@upstash/redis/cloudflare';
import { z } from 'zod';
import { TtlCache } from '../cache';
import { UpstreamError } from '../errors';
import type { ApiKeyRecord, ApiKeyStore } from '../ports';

const RecordSchema = z.object({ name: z.string(), createdAt: z.number(), revoked: z.boolean() });

/**
 * API keys in the `md:v1:apikeys` hash (sha256 hex → JSON record), cached per isolate for a
 * few seconds: most requests then cost no round trip for auth, and a revocation takes
 * effect within `ttlMs`. Unknown keys are cached too, so guessing costs Redis nothing extra.
 */
export class UpstashApiKeyStore implements ApiKeyStore {
  readonly #cache: TtlCache<string, ApiKeyRecord | null>;

  constructor(
    private readonly redis: Redis,
    private readonly hashKey: string,
    ttlMs = 5_000,
  ) {
    this.#cache = new TtlCache(ttlMs);
  }

  find(keyHash: string): Promise<ApiKeyRecord | null> {
    return this.#cache.get(keyHash, async () => {
      let value: unknown;
      try {
        value = await this.redis.hget(this.hashKey, keyHash);
      } catch (cause) {
        throw new UpstreamError('cannot read API keys from Redis', { cause });
      }
      const parsed = RecordSchema.safeParse(value);
      return parsed.success ? parsed.data : null;
    });
  }
}
