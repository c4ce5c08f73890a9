import { describe, expect, inject, it } from 'vitest';
import { createClient, RESP_TYPES } from 'redis';
import { eventually } from '@marketpipe/testkit';
import { decodeBar, decodeFeatures, decodeSignal, decodeValue, encodeValue, redisKeys, scan, type Bar } from '@marketpipe/core';
import { startCollector } from '../src/collector';
import { TimeframeEngines } from '../src/features/timeframe-stage';
import { openStores, silentLogger, testConfig } from './helpers';

const opts = { logger: silentLogger(), healthServer: false } as const;
const MINUTE = 60_000;

/** The aggregate of a bucket's 1m bars. EURUSD's FX day opens 17:00 New York, a whole UTC hour: 5m and 1h buckets are clock-aligned. */
function aggregateOf(minutes: Bar[], ts: number, ms: number, interval: Bar['interval']): Bar {
  const inside = minutes.filter((b) => b.ts >= ts && b.ts < ts + ms);
  return {
    symbol: inside[0]!.symbol, interval, ts, open: inside[0]!.open, high: Math.max(...inside.map((b) => b.high)), low: Math.min(...inside.map((b) => b.low)),
    close: inside.at(-1)!.close, volume: inside.reduce((n, b) => n + b.volume, 0), source: inside.at(-1)!.source, final: true, filled: inside.every((b) => b.filled),
  };
}

describe.each([
  ['in-process', 'off'],
  ['on their thread', 'on'],
])('higher timeframes in the collector, %s (sim feed, real Redis and libSQL)', (_, thread) => {
  it('writes every interval’s bars, forming bars, features and signals under their keys; the 1m ones stay as they were', async () => {
    const config = testConfig(inject('redisUrl'), { SIM_SPEED: '60', BACKFILL_HOURS: '5', TIMEFRAME_THREAD: thread });
    const keys = redisKeys(config.REDIS_PREFIX);
    const c = await startCollector(config, { ...opts, autoStart: false });
    const redis = createClient({ url: config.REDIS_URL }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    await redis.connect();
    try {
      await c.runCycle();
      await c.flush();
      const minutes = await c.history.range('EURUSD', 0, Number.MAX_SAFE_INTEGER);
      for (const [interval, ms] of [['5m', 5 * MINUTE], ['1h', 60 * MINUTE]] as const) {
        const bars = await c.window.finals('EURUSD', 0, Number.MAX_SAFE_INTEGER, interval);
        expect(bars.length, `${interval} bars from the 5 h backfill`).toBeGreaterThanOrEqual(interval === '5m' ? 55 : 4);
        // The first bucket may have started before the backfill did; every other one is whole.
        for (const bar of bars.slice(1)) expect(bar).toEqual(aggregateOf(minutes, bar.ts, ms, interval));
        const forming = await c.window.forming('EURUSD', interval);
        const forming1m = await c.window.forming('EURUSD');
        expect(forming).toMatchObject({ interval, final: false, ts: Math.floor(forming1m!.ts / ms) * ms, close: forming1m!.close });
      }
      for (const iv of ['15m', '30m', '4h', '1d'] as const) expect(await redis.hLen(keys.formingOf(iv)), iv).toBe(3);
      for (const iv of ['5m', '1h'] as const) {
        const feats = await redis.hGetAll(keys.featuresOf(iv));
        expect(Object.keys(feats).sort()).toEqual(['EURUSD', 'NAS100', 'XAUUSD']);
        const f = decodeFeatures(feats.EURUSD!);
        expect(f).toMatchObject({ symbol: 'EURUSD', interval: iv, final: false, defs: 'talib' });
        expect(decodeSignal((await redis.hGet(keys.signalsOf(iv), 'EURUSD'))!)).toEqual(scan(f, f.computedAt));
      }
      for (const iv of ['15m', '30m', '4h', '1d'] as const) expect(await redis.exists(keys.featuresOf(iv)), `no ${iv} features: not in FEATURE_INTERVALS`).toBe(0);
      expect(decodeFeatures((await redis.hGet(keys.features, 'EURUSD'))!).interval, 'md:v1:feat is still 1m').toBe('1m');
      expect(decodeBar((await redis.hGet(keys.forming, 'EURUSD'))!).interval).toBe('1m');
      const latency = (await c.metrics.signalSeconds.get()).values.filter((v) => v.metricName === 'marketpipe_signal_latency_seconds_count');
      expect(Object.fromEntries(latency.map((v) => [v.labels.interval, v.value])), 'one observation per symbol and feature interval').toEqual({ '1m': 3, '5m': 3, '1h': 3 });
    } finally {
      await redis.quit();
      await c.stop();
    }
  });

  it('resumes the higher-timeframe engines from md:v1:state:{iv} after a restart, with the numbers of an uninterrupted run', async () => {
    const config = testConfig(inject('redisUrl'), { SIM_SPEED: '120', BACKFILL_HOURS: '5', HISTORY_FLUSH_MS: '1000', TIMEFRAME_THREAD: thread });
    const first = await startCollector(config, opts);
    expect(first.timeframesWarm).toEqual({ restored: 0, rebuilt: 0, replayed: 0 });
    const backfilled = await first.history.count('XAUUSD');
    await eventually(async () => expect(await first.history.count('XAUUSD')).toBeGreaterThanOrEqual(backfilled + 6), { timeoutMs: 20_000 });
    await first.stop();

    const second = await startCollector(config, opts);
    expect(second.timeframesWarm?.restored, '3 symbols × the 5m and 1h engines').toBe(6);
    expect(second.timeframesWarm?.rebuilt).toBe(0);
    const resumedAt = await second.history.count('XAUUSD');
    await eventually(async () => expect(await second.history.count('XAUUSD')).toBeGreaterThanOrEqual(resumedAt + 6), { timeoutMs: 20_000 });
    await second.stop();

    const stores = await openStores(config);
    try {
      for (const spec of second.specs) {
        const uninterrupted = new TimeframeEngines([spec], { barIntervals: config.BAR_INTERVALS, featureIntervals: ['5m', '1h'] });
        uninterrupted.update(spec, await stores.history.range(spec.symbol, 0, Number.MAX_SAFE_INTEGER), null, 0);
        // What the stop saved (md:v1:state:{iv}) is what the engines held: the numbers of a run that never stopped.
        for (const slot of uninterrupted.slots(spec.symbol)!.filter((x) => x.engine)) {
          const saved = (await stores.window.loadStates([spec.symbol], slot.interval)).get(spec.symbol);
          expect(saved && decodeValue(saved), `${spec.symbol} ${slot.interval}`).toEqual(decodeValue(encodeValue(slot.engine!.snapshot())));
        }
        const window5m = await stores.window.finals(spec.symbol, 0, Number.MAX_SAFE_INTEGER, '5m');
        const all5m = uninterrupted.take(false).get('5m')!.finals;
        expect(window5m.length, 'at most the newest bar had not reached the window at the stop').toBeGreaterThanOrEqual(all5m.length - 1);
        expect(window5m, `${spec.symbol}: the 5m window across the restart`).toEqual(all5m.slice(0, window5m.length));
      }
    } finally {
      await stores.close();
    }
  });
});
