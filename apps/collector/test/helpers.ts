import { mkdtempSync } from 'node:fs';
import { expect } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadConfig, type CollectorConfig } from '../src/config';
import type { RunningCollector } from '../src/collector';
import { createLogger } from '../src/logger';
import { redisKeys } from '@marketpipe/core';
import { createBinaryRedisClient } from '../src/redis/client';
import { RedisBarWindow } from '../src/redis/redis-bar-window';
import { LibsqlHistoryStore } from '../src/history/libsql-history-store';

/** A config isolated from everything else: its own key prefix and its own libSQL file. */
export function testConfig(redisUrl: string, env: Record<string, string> = {}): CollectorConfig {
  const dir = mkdtempSync(join(tmpdir(), 'marketpipe-test-'));
  return loadConfig({
    PROVIDERS: 'sim',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `test:${randomUUID().slice(0, 8)}:`,
    DATABASE_URL: `file:${join(dir, 'history.db')}`,
    LOG_LEVEL: 'silent',
    COLLECTOR_ID: 'test',
    ...env,
  });
}

/**
 * The four fake providers with Yahoo primary, a breaker that opens after 2 failures and probes
 * after 2 s, and quotas loose enough that fail-over, not pacing, decides who serves.
 */
export function failoverConfig(redisUrl: string, fakesEnv: Record<string, string>): CollectorConfig {
  return testConfig(redisUrl, {
    ...fakesEnv,
    PROVIDERS: 'yahoo,twelvedata,polygon,alphavantage',
    BACKFILL_HOURS: '1',
    BREAKER_FAILURES: '2',
    BREAKER_HALF_OPEN_MS: '2000',
    PROVIDER_TIMEOUT_MS: '500',
    YAHOO_RATE_PER_MIN: '600',
    TWELVEDATA_PER_MIN: '60',
  });
}

export const silentLogger = () => createLogger('silent');

/** Fresh handles on a (stopped) collector's Redis window and libSQL file, for checking what it left. */
export async function openStores(config: CollectorConfig) {
  const redis = createBinaryRedisClient(config.REDIS_URL);
  await redis.connect();
  const window = new RedisBarWindow(redis, redisKeys(config.REDIS_PREFIX));
  const history = await LibsqlHistoryStore.open({ url: config.DATABASE_URL });
  return {
    window,
    history,
    close: async () => {
      await history.close();
      await redis.quit();
    },
  };
}

type Stores = Pick<RunningCollector, 'window' | 'history'>;

/** Every final bar in the Redis window is in libSQL with the same values; returns how many. */
export async function assertRedisFinalsInHistory(c: Stores, symbols: readonly string[]): Promise<number> {
  let total = 0;
  for (const symbol of symbols) {
    const inRedis = await c.window.finals(symbol);
    const inHistory = await c.history.range(symbol, 0, Number.MAX_SAFE_INTEGER);
    const byTs = new Map(inHistory.map((b) => [b.ts, b]));
    for (const bar of inRedis) {
      expect(byTs.get(bar.ts), `${symbol} ${new Date(bar.ts).toISOString()} missing from libSQL`).toEqual(bar);
    }
    total += inRedis.length;
  }
  return total;
}
