import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createClient } from 'redis';
import { loadConfig, startCollector } from '@marketpipe/collector';
import { redisKeys } from '@marketpipe/core';

/**
 * What the Worker reads, written by the collector's own code: one sim cycle for EURUSD (bars
 * backfilled for an hour, the forming bar, features, a signal, its last-seen time), then the
 * collector stops, so the data holds still; and an API key record for `apiKey`.
 */
export async function seedMarket({ redisUrl, prefix, dir, apiKey }: { redisUrl: string; prefix: string; dir: string; apiKey: string }): Promise<void> {
  const config = loadConfig({
    PROVIDERS: 'sim',
    SYMBOLS: 'EURUSD',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    DATABASE_URL: `file:${join(dir, 'history.db')}`,
    BACKFILL_HOURS: '1',
    LOG_LEVEL: 'silent',
  });
  const collector = await startCollector(config, { healthServer: false, autoStart: false });
  try {
    await collector.runCycle();
  } finally {
    await collector.stop();
  }
  const admin = createClient({ url: redisUrl });
  await admin.connect();
  const record = { name: 'test', createdAt: Date.now(), revoked: false };
  await admin.hSet(redisKeys(prefix).apiKeys, createHash('sha256').update(apiKey).digest('hex'), JSON.stringify(record));
  await admin.close();
}
