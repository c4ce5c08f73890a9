import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort } from '@marketpipe/testkit';
import { loadConfig, type CollectorConfig } from '../../src/config';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * The environment of a collector started the way an operator would (PM2, the Dockerfile's
 * CMD), isolated: its own Redis prefix, libSQL file and health port, and only PATH and HOME
 * from this process, so a developer's own settings do not leak in. `config` is what the
 * collector will parse from it, for opening its stores afterwards.
 */
export async function collectorEnv(redisUrl: string, extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'marketpipe-deploy-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    PROVIDERS: 'sim',
    SYMBOLS: 'EURUSD,XAUUSD,NAS100',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `test:${randomUUID().slice(0, 8)}:`,
    DATABASE_URL: `file:${join(dir, 'history.db')}`,
    COLLECTOR_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    // 90 days of sim history in the background is not what these tests look at (test/bootstrap does)
    BOOTSTRAP_ON_RUN: 'false',
    ...extra,
  };
  const config: CollectorConfig = loadConfig(env);
  return { env, config, dir };
}

/** GET /ready on the collector's health port: its status, or 0 when nothing answers. */
export async function readyStatus(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2_000) })).status;
  } catch {
    return 0;
  }
}
