import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClient } from 'redis';
import { eventually, startPrivateRedis, type PrivateRedis } from '@marketpipe/testkit';
import { DEFAULT_SYMBOL_SPECS, type SymbolSpec } from '@marketpipe/core';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '../src/collector';
import { ProviderChain } from '../src/providers/chain';
import { SimFetcher } from '../src/providers/sim/sim-fetcher';
import type { BarFetcher } from '../src/providers/types';
import { assertRedisFinalsInHistory, openStores, testConfig, silentLogger } from './helpers';

describe('collector cycle (private Redis, so command statistics are ours alone)', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(() => redis.stop());

  it('writes the forming bars of all symbols in one round trip and one HSET', async () => {
    const base = DEFAULT_SYMBOL_SPECS[0]!;
    const specs: SymbolSpec[] = Array.from({ length: 200 }, (_, i) => ({ ...base, symbol: `SYM${i}`, brokers: {} }));
    const file = join(tmpdir(), `specs-${process.pid}.json`);
    writeFileSync(file, JSON.stringify(specs));
    const config = testConfig(redis.url, { SYMBOLS: specs.map((s) => s.symbol).join(','), SYMBOLS_FILE: file, BACKFILL_HOURS: '0' });
    const c = await startCollector(config, { logger: silentLogger(), autoStart: false, healthServer: false });
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      await admin.configResetStat();
      const tripsBefore = c.window.roundTrips;
      const report = await c.runCycle();
      expect(report.formingChanged).toBe(200);
      expect(c.window.roundTrips - tripsBefore, 'network round trips for one cycle').toBe(1);
      const stats = await admin.info('commandstats');
      const hsetCalls = Number(/cmdstat_hset:calls=(\d+)/.exec(stats)?.[1] ?? 0);
      // 1m: forming, features, signals, last-seen; each higher interval its forming bars, each feature interval its features and signals.
      const perInterval = config.BAR_INTERVALS.length + 2 * (config.FEATURE_INTERVALS.length - 1);
      expect(hsetCalls, 'one HSET per hash, whatever the symbol count').toBe(4 + perInterval);
      expect(await admin.hLen(`${config.REDIS_PREFIX}sig`)).toBe(200);
      expect(await admin.hLen(`${config.REDIS_PREFIX}feat`)).toBe(200);
      expect(await admin.hLen(`${config.REDIS_PREFIX}forming`)).toBe(200);
    } finally {
      await admin.quit();
      await c.stop();
    }
  });
});

describe('collector loop (shared private Redis, own prefix)', () => {
  const redisUrl = inject('redisUrl');

  it('counts each refused bar once, however many layers see it', async () => {
    const config = testConfig(redisUrl, { BACKFILL_HOURS: '0' });
    const c = await startCollector(config, {
      logger: silentLogger(),
      autoStart: false,
      healthServer: false,
      sources: async (ctx) => {
        const sim = new SimFetcher({ seed: 1, clock: ctx.clock });
        // every payload repeats its last bar: one duplicate_ts per symbol per poll
        const repeating: BarFetcher = {
          name: 'yahoo',
          historyLimitMs: 0,
          supports: () => true,
          fetchBars: async (spec, range) => {
            const bars = sim.barsSync(spec, range);
            return { bars: [...bars, bars.at(-1)!], rejects: [] };
          },
        };
        const chain = new ProviderChain({ fetchers: [repeating], metrics: ctx.metrics, logger: ctx.logger, clock: ctx.clock });
        return { fetchers: [repeating], source: chain };
      },
    });
    try {
      const report = await c.runCycle();
      const counted = (await c.metrics.rejects.get()).values.find((v) => v.labels.reason === 'duplicate_ts')?.value;
      expect(report.rejects).toBe(3);
      expect(counted, 'three symbols, one duplicate each').toBe(3);
    } finally {
      await c.stop();
    }
  });

  it('recovers final bars that reached Redis but not libSQL', async () => {
    const config = testConfig(redisUrl, { BACKFILL_HOURS: '1' });
    const first = await startCollector(config, { logger: silentLogger(), autoStart: false, healthServer: false });
    const bars = await first.window.finals('EURUSD');
    expect(bars.length).toBeGreaterThanOrEqual(59);
    await first.stop();
    // a fresh database with the same Redis: the window's bars must be written back
    const second = await startCollector({ ...config, DATABASE_URL: testConfig(redisUrl).DATABASE_URL }, {
      logger: silentLogger(),
      autoStart: false,
      healthServer: false,
    });
    try {
      expect(await second.history.count('EURUSD')).toBeGreaterThanOrEqual(bars.length);
      await assertRedisFinalsInHistory(second, config.SYMBOLS);
    } finally {
      await second.stop();
    }
  });

  it('finalises minutes in seconds at high SIM_SPEED and every final bar reaches Redis and libSQL', async () => {
    const config = testConfig(redisUrl, { SIM_SPEED: '300', BACKFILL_HOURS: '0', HISTORY_FLUSH_MS: '60000' });
    const c = await startCollector(config, { logger: silentLogger(), healthServer: false });
    await eventually(async () => expect((await c.window.finals('XAUUSD')).length).toBeGreaterThanOrEqual(8), { timeoutMs: 15_000 });
    await c.stop();
    const stores = await openStores(config);
    try {
      const total = await assertRedisFinalsInHistory(stores, config.SYMBOLS);
      expect(total).toBeGreaterThanOrEqual(24);
    } finally {
      await stores.close();
    }
  });

  it('batches 10 s of cycles into one history transaction', async () => {
    const config = testConfig(redisUrl, { SIM_SPEED: '60', BACKFILL_HOURS: '0', HISTORY_FLUSH_MS: '10000' });
    const c = await startCollector(config, { logger: silentLogger(), healthServer: false });
    const tx = async () => (await c.metrics.historyTransactions.get()).values[0]?.value ?? 0;
    const before = await tx();
    const started = Date.now();
    await eventually(async () => expect(await tx()).toBe(before + 1), { timeoutMs: 12_000, intervalMs: 100 });
    const elapsed = Date.now() - started;
    const cycles = (await c.metrics.cycles.get()).values[0]?.value ?? 0;
    const rows = (await c.metrics.historyRows.get()).values[0]?.value ?? 0;
    await new Promise((r) => setTimeout(r, 400));
    expect(await tx(), 'no second transaction before the next 10 s tick').toBe(before + 1);
    expect(cycles, `cycles in ${elapsed} ms`).toBeGreaterThanOrEqual(9);
    expect(rows).toBeGreaterThanOrEqual(3 * 8);
    await c.stop();
  }, 30_000);
});
