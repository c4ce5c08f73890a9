import { decodeApiKeyRecord, type ApiKeyRecord } from '@marketpipe/core';
import { TtlCache } from '../cache';
import type { ApiKeyStore } from '../ports';
import { textOf, type BinaryPipeline } from './binary-pipeline';

/**
 * API keys in the `md:v1:apikeys` hash (sha256 hex → JSON record), cached per isolate for a
 * few seconds: most requests then cost no round trip for auth, and a revocation takes
 * effect within `ttlMs`. Unknown keys are cached too, so guessing costs Redis nothing extra.
 */
export class UpstashApiKeyStore implements ApiKeyStore {
  readonly #cache: TtlCache<string, ApiKeyRecord | null>;

  constructor(
    private readonly redis: BinaryPipeline,
    private readonly hashKey: string,
    ttlMs = 5_000,
  ) {
    this.#cache = new TtlCache(ttlMs);
  }

  find(keyHash: string): Promise<ApiKeyRecord | null> {
    return this.#cache.get(keyHash, async () => {
      const [record] = await this.redis.exec('API key lookup', [['HGET', this.hashKey, keyHash]]);
      return decodeApiKeyRecord(textOf(record));
    });
  }
}
