import type { Redis } from '@upstash/redis/cloudflare';
import { decodeApiKeyRecord, type ApiKeyRecord } from '@marketpipe/core';
import { TtlCache } from '../cache';
import type { ApiKeyStore } from '../ports';
import { viaRest } from './rest-failure';

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
      const value = await viaRest('API key lookup', () => this.redis.hget<unknown>(this.hashKey, keyHash));
      return decodeApiKeyRecord(value);
    });
  }
}
