import { describe, expect, inject, it } from 'vitest';
import { createClient, RESP_TYPES } from 'redis';
import { eventually } from '@marketpipe/testkit';
import { FeatureEngine, decodeFeatures, decodeSignal, scan, type Features } from '@marketpipe/core';
import { startCollector } from '../src/collector';
import { openStores, silentLogger, testConfig } from './helpers';

const opts = { logger: silentLogger(), healthServer: false } as const;

describe('features in the collector', () => {
  it('writes the features of every changed symbol to Redis in the cycle pipeline, docs/architecture.md §2 shape', async () => {
    const config = testConfig(inject('redisUrl'), { SIM_SPEED: '60', BACKFILL_HOURS: '5' });
    const c = await startCollector(config, { ...opts, autoStart: false });
    const redis = createClient({ url: config.REDIS_URL }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    await redis.connect();
    try {
      const trips = c.window.roundTrips;
      await c.runCycle();
      expect(c.window.roundTrips - trips).toBe(1);
      const raw = await redis.hGetAll(`${config.REDIS_PREFIX}feat`);
      expect(Object.keys(raw).sort()).toEqual(['EURUSD', 'NAS100', 'XAUUSD']);
      const f: Features = decodeFeatures(raw.EURUSD!);
      const forming = await c.window.forming('EURUSD');
      expect(f).toMatchObject({ symbol: 'EURUSD', interval: '1m', ts: forming!.ts, final: false, close: forming!.close, defs: 'talib', warm: true });
      expect(Object.keys(f.ema)).toEqual(['9', '21', '50', '200']);
      expect(f.periods).toEqual({ ema: [9, 21, 50, 200], rsi: 14, atr: 14, momentum: 10, volumeMa: 20, bb: [20, 2], macd: [12, 26, 9] });
      for (const v of [f.rsi, f.atr, f.momentum, f.volumeMa, f.vwap, f.bb.middle, f.bb.percentB, f.macd.signal, ...Object.values(f.ema)]) {
        expect(Number.isFinite(v), `every value is warm after 5 h: ${JSON.stringify(f)}`).toBe(true);
      }
      expect(Math.abs(f.computedAt - Date.now())).toBeLessThan(5_000);
      const signal = decodeSignal((await redis.hGet(`${config.REDIS_PREFIX}sig`, 'EURUSD'))!);
      expect(signal, 'the signal is the scanner over the same features').toEqual(scan(f, f.computedAt));
    } finally {
      await redis.quit();
      await c.stop();
    }
  });

  it('resumes from persisted engine state after a restart, with the numbers of an uninterrupted run', async () => {
    const config = testConfig(inject('redisUrl'), { SIM_SPEED: '120', BACKFILL_HOURS: '5', HISTORY_FLUSH_MS: '1000' });
    const first = await startCollector(config, opts);
    // An empty database: nothing to warm from; the engines learn from the backfill, bar by bar.
    expect(first.warm).toEqual({ restored: 0, rebuilt: 0, replayed: 0 });
    expect(first.backfill.map((r) => r.bars)).toEqual([300, 300, 300]);
    const backfilled = await first.history.count('XAUUSD');
    await eventually(async () => expect((await first.window.finals('XAUUSD')).length).toBeGreaterThanOrEqual(backfilled + 4), {
      timeoutMs: 20_000,
    });
    await first.stop();

    const second = await startCollector(config, opts);
    expect(second.warm?.restored, 'engines resumed from md:v1:state, not rebuilt').toBe(3);
    expect(second.warm?.rebuilt).toBe(0);
    const resumedAt = await second.history.count('XAUUSD');
    await eventually(async () => expect((await second.window.finals('XAUUSD')).length).toBeGreaterThanOrEqual(resumedAt + 4), {
      timeoutMs: 20_000,
    });
    await second.stop();

    const stores = await openStores(config);
    try {
      for (const spec of second.specs) {
        const bars = await stores.history.range(spec.symbol, 0, Number.MAX_SAFE_INTEGER);
        const uninterrupted = new FeatureEngine({ session: spec.session });
        for (const bar of bars) uninterrupted.update(bar, { final: true });
        expect(second.features!.engine(spec.symbol)!.snapshot(), spec.symbol).toEqual(uninterrupted.snapshot());
      }
    } finally {
      await stores.close();
    }
  });
});
