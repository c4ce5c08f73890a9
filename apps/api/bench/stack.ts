import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient } from 'redis';
import { encodeApiKeyRecord, redisKeys } from '@marketpipe/core';
import { freePort, startApiWorker, startPrivateRedis } from '@marketpipe/testkit';
import { Child, waitFor } from '../../../scripts/demo-children';
import { manySymbols } from '../test/node/many-symbols';

const ROOT = resolve(import.meta.dirname, '../../..');

export interface BenchStack {
  /** the Worker's origin */
  url: string;
  /** a valid API key's Authorization header */
  authorization: string;
  symbols: string[];
  stop(): Promise<void>;
}

const say = (line: string) => process.stderr.write(`bench: ${line}\n`);

/**
 * What the benchmark measures against, as deployed and live: a private redis-server, the real
 * collector (`marketpipe run`, sim feed, `symbols` symbols) and the bridge as child processes,
 * so their work competes for the CPU as it would on one machine but not for this process's
 * event loop, where autocannon runs; and the Worker in workerd (wrangler's unstable_startWorker)
 * with BENCH_ROUTES=1 and a rate limit no benchmark reaches.
 */
export async function startBenchStack({ symbols, backfillHours }: { symbols: number; backfillHours: number }): Promise<BenchStack> {
  const redis = await startPrivateRedis();
  const dir = await mkdtemp(join(tmpdir(), 'marketpipe-api-bench-'));
  const children: Child[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await child.stop(10_000);
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const { specs, env: symbolEnv } = await manySymbols(dir, symbols);
    const collector = new Child('collector', process.execPath, [resolve(ROOT, 'apps/collector/bin/marketpipe.js'), 'run'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...symbolEnv,
        PROVIDERS: 'sim',
        REDIS_URL: redis.url,
        REDIS_PREFIX: redisKeys().prefix,
        DATABASE_URL: `file:${join(dir, 'history.db')}`,
        BACKFILL_HOURS: String(backfillHours),
        // The 90-day background bootstrap of 1,000 symbols would be a second load beside the cycles.
        BOOTSTRAP_ON_RUN: 'false',
        FETCH_CONCURRENCY: '64',
        COLLECTOR_PORT: String(await freePort()),
        LOG_LEVEL: 'warn',
      },
      onLine: (line) => process.stderr.write(`[collector] ${line}\n`),
    });
    children.push(collector);

    let bridge: { url: string; token: string } | undefined;
    const bridgeChild = new Child('bridge', process.execPath, ['--import', 'tsx', resolve(ROOT, 'apps/bridge/src/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, BRIDGE_PORT: '0', BRIDGE_TOKEN: randomBytes(24).toString('base64url'), REDIS_URL: redis.url },
      onLine: (line) => {
        try {
          bridge = JSON.parse(line) as { url: string; token: string };
        } catch {
          process.stderr.write(`[bridge] ${line}\n`);
        }
      },
    });
    children.push(bridgeChild);
    await waitFor('bridge', async () => bridge !== undefined, 15_000, () => bridgeChild.running);

    const key = `mp_bench_${randomBytes(16).toString('hex')}`;
    const admin = createClient({ url: redis.url });
    await admin.connect();
    await admin.hSet(redisKeys().apiKeys, createHash('sha256').update(key).digest('hex'), encodeApiKeyRecord({ name: 'bench', createdAt: Date.now(), revoked: false }));
    await admin.close();

    // wrangler logs a line per request at info level: in this process, beside autocannon.
    process.env.WRANGLER_LOG ??= 'warn';
    const worker = await startApiWorker({
      bridgeUrl: bridge!.url,
      bridgeToken: bridge!.token,
      prefix: redisKeys().prefix,
      vars: { BENCH_ROUTES: '1', RATE_LIMIT_PER_MINUTE: '1000000000' },
    });
    const stopAll = async () => {
      await worker.stop();
      await stop();
    };
    const authorization = `Bearer ${key}`;
    say(`waiting for the collector's first cycle of ${symbols} symbols (backfill ${backfillHours} h)…`);
    try {
      await waitFor(
        'signals of every symbol',
        async () => {
          const res = await worker.fetch('/v1/signals?allowStale=true', { headers: { authorization } });
          return res.ok && ((await res.json()) as { items: unknown[] }).items.length === symbols;
        },
        300_000,
        () => collector.running,
      );
    } catch (error) {
      await stopAll();
      throw error;
    }
    return { url: worker.url, authorization, symbols: specs.map((s) => s.symbol), stop: stopAll };
  } catch (error) {
    await stop();
    throw error;
  }
}
