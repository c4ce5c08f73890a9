import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { eventually } from '@marketpipe/testkit';
import { assertRedisFinalsInHistory, openStores, testConfig } from './helpers';

const BIN = fileURLToPath(new URL('../bin/marketpipe.js', import.meta.url));

describe('marketpipe run as a process', () => {
  it('flushes every final bar to libSQL on SIGTERM', async () => {
    const config = testConfig(inject('redisUrl'), { SIM_SPEED: '120', BACKFILL_HOURS: '2', HISTORY_FLUSH_MS: '600000' });
    const child = spawn(process.execPath, [BIN, 'run'], {
      env: {
        ...process.env,
        PROVIDERS: 'sim',
        REDIS_URL: config.REDIS_URL,
        REDIS_PREFIX: config.REDIS_PREFIX,
        DATABASE_URL: config.DATABASE_URL,
        SIM_SPEED: '120',
        BACKFILL_HOURS: '2',
        // the background bootstrap (tested in test/bootstrap) would add its own writes to the flush measured here
        BOOTSTRAP_ON_RUN: 'false',
        HISTORY_FLUSH_MS: '600000',
        COLLECTOR_PORT: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const stores = await openStores(config);
    try {
      // the backfill wrote 2 h; wait for the live loop to finalise minutes that only the buffer holds
      await eventually(async () => expect((await stores.window.finals('EURUSD')).length).toBeGreaterThanOrEqual(125), {
        timeoutMs: 30_000,
      });
      const buffered = (await stores.window.finals('EURUSD')).length - (await stores.history.count('EURUSD'));
      expect(buffered, 'final bars that only the history buffer holds before SIGTERM').toBeGreaterThan(0);
      child.kill('SIGTERM');
      expect(await exited, output).toBe(0);
      expect(output).toContain('collector stopped');
      const total = await assertRedisFinalsInHistory(stores, config.SYMBOLS);
      expect(total).toBeGreaterThanOrEqual(3 * 125);
    } finally {
      child.kill('SIGKILL');
      await stores.close();
    }
  });
});
