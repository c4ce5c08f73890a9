import { execFile } from 'node:child_process';
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, startPrivateRedis, type PrivateRedis } from '@marketpipe/testkit';
import { loadConfig } from '../../src/config';
import { assertRedisFinalsInHistory, openStores } from '../helpers';
import { ROOT, collectorEnv, readyStatus } from './deploy-kit';

const PM2 = join(ROOT, 'node_modules/pm2/bin/pm2');
const APP = 'marketpipe-collector';
const MINUTE = 60_000;
const ecosystem = createRequire(import.meta.url)(join(ROOT, 'ecosystem.config.cjs')) as { apps: { name: string; kill_timeout: number }[] };

interface Pm2Process {
  pid: number;
  pm2_env: { status: string; restart_time: number; pm_out_log_path: string };
}

/**
 * ecosystem.config.cjs under PM2 (from npm, with a private PM2_HOME: a user's own PM2 is never
 * touched): start, restart, delete. PM2 must give the collector time for its own graceful
 * stop (kill_timeout), so the restart flushes the history buffer and loses no bar.
 */
describe('the collector under PM2', () => {
  let redis: PrivateRedis | undefined;
  let pm2Home: string | undefined;
  let env: Record<string, string> = {};
  const pm2 = async (...args: string[]) =>
    (await promisify(execFile)(process.execPath, [PM2, ...args], { cwd: ROOT, env, timeout: 30_000 })).stdout;
  const processes = async () => JSON.parse(await pm2('jlist')) as Pm2Process[];

  afterAll(async () => {
    if (pm2Home) {
      await pm2('kill').catch(() => undefined);
      await rm(pm2Home, { recursive: true, force: true });
    }
    await redis?.stop();
  });

  it('waits longer for a stop than the collector may take', () => {
    expect(ecosystem.apps.map((a) => a.name)).toEqual([APP]);
    // PM2's default (1.6 s) would SIGKILL a collector still flushing to a slow database
    expect(ecosystem.apps[0]!.kill_timeout).toBeGreaterThan(loadConfig({}).SHUTDOWN_TIMEOUT_MS + 1_000);
  });

  it('restarts gracefully and loses no bar across the restart', async () => {
    redis = await startPrivateRedis();
    pm2Home = await mkdtemp(join(tmpdir(), 'marketpipe-pm2-'));
    // HISTORY_FLUSH_MS far away: until a stop, the newest bars are only in the history buffer
    const setup = await collectorEnv(redis.url, { SIM_SPEED: '120', BACKFILL_HOURS: '1', HISTORY_FLUSH_MS: '600000' });
    const { config } = setup;
    env = { ...setup.env, PM2_HOME: pm2Home };
    const port = config.COLLECTOR_PORT;

    await pm2('start', 'ecosystem.config.cjs');
    const stores = await openStores(config);
    try {
      await eventually(async () => expect(await readyStatus(port)).toBe(200), { timeoutMs: 30_000, intervalMs: 200 });
      // live minutes beyond the hour of backfill, some of them in the buffer only
      await eventually(async () => expect((await stores.window.finals('EURUSD')).length).toBeGreaterThanOrEqual(70), { timeoutMs: 30_000 });
      const onlyBuffered = (await stores.window.finals('EURUSD')).length - (await stores.history.count('EURUSD'));
      expect(onlyBuffered, 'final bars only the history buffer held before the restart').toBeGreaterThan(0);
      const [before] = await processes();
      expect(realpathSync(readlinkSync(`/proc/${before!.pid}/exe`)), 'the pinned Node 24').toBe(realpathSync(join(ROOT, 'node_modules/node/bin/node')));

      await pm2('restart', APP);
      const [after] = await processes();
      expect(after!.pm2_env.restart_time).toBe(1);
      expect(after!.pid).not.toBe(before!.pid);
      await eventually(async () => expect(await readyStatus(port)).toBe(200), { timeoutMs: 30_000, intervalMs: 200 });
      const atRestart = (await stores.window.finals('EURUSD')).at(-1)!.ts;
      await eventually(async () => expect((await stores.window.finals('EURUSD')).at(-1)!.ts).toBeGreaterThanOrEqual(atRestart + 5 * MINUTE), {
        timeoutMs: 30_000,
      });

      const log = after!.pm2_env.pm_out_log_path;
      await pm2('delete', APP);
      await pm2('kill');
      const lines = readFileSync(log, 'utf8').split('\n');
      const at = (msg: string) => lines.flatMap((l, i) => (l.includes(`"msg":"${msg}"`) ? [i] : []));
      const [, secondStart] = at('collector started');
      expect(at('collector started')).toHaveLength(2);
      expect(at('collector stopped'), 'a graceful stop at the restart and at the delete').toHaveLength(2);
      expect(at('collector stopped')[0]!, 'the first process stopped gracefully before the second started').toBeLessThan(secondStart!);
      expect(at('restored final bars from the Redis window into history'), 'history already had every bar Redis had').toHaveLength(0);

      const total = await assertRedisFinalsInHistory(stores, config.SYMBOLS);
      for (const symbol of config.SYMBOLS) {
        const history = await stores.history.range(symbol, 0, Number.MAX_SAFE_INTEGER);
        for (let i = 1; i < history.length; i++) {
          expect(history[i]!.ts - history[i - 1]!.ts, `${symbol}: no hole at ${new Date(history[i]!.ts).toISOString()}`).toBe(MINUTE);
        }
        expect(history.at(-1)!.ts, `${symbol}: history runs past the restart`).toBeGreaterThanOrEqual(atRestart + 5 * MINUTE);
      }
      console.info(`pm2: ${total} final bars in Redis, all in history; ${onlyBuffered} EURUSD bars were only buffered at the restart`);
    } finally {
      await stores.close();
    }
  }, 150_000);
});
