import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Bar } from '@marketpipe/core';
import { startCollector } from '../src/collector';
import { startFakeProviders, type FakeProviders } from './fakes';
import { openStores, silentLogger, testConfig } from './helpers';

const sound = (b: Bar) =>
  [b.open, b.high, b.low, b.close, b.volume].every(Number.isFinite) && b.open > 0 && b.high > 0 && b.low > 0 && b.close > 0;

/** A primary that keeps sending NaN, zero and negative prices and duplicated timestamps. */
describe('a faulty primary provider in the live loop', () => {
  let fakes: FakeProviders;
  beforeAll(async () => {
    fakes = await startFakeProviders();
  });
  afterAll(() => fakes.stop());

  it.each(['bad_prices', 'duplicate_ts'] as const)('%s: rejects are counted and none reaches Redis or libSQL', async (fault) => {
    fakes.setFault('yahoo', fault);
    const config = testConfig(inject('redisUrl'), { ...fakes.env, PROVIDERS: 'yahoo', BACKFILL_HOURS: '1', YAHOO_RATE_PER_MIN: '600' });
    const c = await startCollector(config, { logger: silentLogger(), healthServer: false, autoStart: false });
    for (let i = 0; i < 3; i++) {
      await c.runCycle();
      await new Promise((r) => setTimeout(r, 400));
    }
    const rejects = Object.fromEntries(
      (await c.metrics.rejects.get()).values.filter((v) => v.labels.provider === 'yahoo').map((v) => [v.labels.reason, v.value]),
    );
    await c.stop();
    fakes.setFault('yahoo', 'none');

    if (fault === 'bad_prices') {
      expect(rejects.non_finite, JSON.stringify(rejects)).toBeGreaterThanOrEqual(1);
      expect(rejects.non_positive_price, JSON.stringify(rejects)).toBeGreaterThanOrEqual(2);
    } else {
      expect(rejects.duplicate_ts, JSON.stringify(rejects)).toBeGreaterThanOrEqual(1);
    }
    const stores = await openStores(config);
    try {
      for (const symbol of config.SYMBOLS) {
        const inRedis = await stores.window.finals(symbol);
        const inHistory = await stores.history.range(symbol, 0, Number.MAX_SAFE_INTEGER);
        const forming = await stores.window.forming(symbol);
        expect(inRedis.length).toBeGreaterThan(30);
        expect(inHistory.length).toBe(inRedis.length);
        for (const b of [...inRedis, ...inHistory, ...(forming ? [forming] : [])]) expect(sound(b), JSON.stringify(b)).toBe(true);
        const ts = inHistory.map((b) => b.ts);
        expect(new Set(ts).size, 'no duplicate timestamps stored').toBe(ts.length);
      }
    } finally {
      await stores.close();
    }
  });
});
