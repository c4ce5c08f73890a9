import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createClient } from 'redis';
import { DEFAULT_SYMBOL_SPECS, redisKeys } from '@marketpipe/core';
import { loadConfig } from '../../src/config';
import { CollectorMetrics } from '../../src/metrics';
import { ProviderChain } from '../../src/providers/chain';
import { createFetchers } from '../../src/providers/factory';
import { quotaLimits } from '../../src/providers/limits';
import { QuotaStore } from '../../src/providers/quota';
import type { BarFetcher } from '../../src/providers/types';
import { startFakeProviders, type FakeProviders } from '../fakes';
import { captureLogger } from './helpers';

let fakes: FakeProviders;
let redis: ReturnType<typeof createClient>;
beforeAll(async () => {
  fakes = await startFakeProviders();
  redis = createClient({ url: inject('redisUrl') });
  await redis.connect();
});
afterAll(async () => {
  await redis.quit();
  await fakes.stop();
});

it('polls rate-limited providers only at the cadence their quotas allow, fairly across symbols', async () => {
  const start = Date.now();
  let now = start;
  const clock = { now: () => now };
  const config = loadConfig({ ...fakes.env, PROVIDERS: 'twelvedata,polygon' });
  const calls: Array<{ provider: string; symbol: string; at: number }> = [];
  const fetchers = createFetchers(config).map(
    (f): BarFetcher => ({
      name: f.name,
      historyLimitMs: f.historyLimitMs,
      supports: (spec) => f.supports(spec),
      fetchBars: (spec, range, signal) => {
        calls.push({ provider: f.name, symbol: spec.symbol, at: now });
        return f.fetchBars(spec, range, signal);
      },
      close: () => f.close?.() ?? Promise.resolve(),
    }),
  );
  const chain = new ProviderChain({
    fetchers,
    limits: quotaLimits(config),
    quota: new QuotaStore({ redis, keys: redisKeys(`test:pacing:${start}:`) }),
    metrics: new CollectorMetrics(),
    logger: captureLogger().logger,
    clock,
  });
  const hours = 2;
  let served = 0;
  for (let s = 0; s < hours * 3_600; s += 1) {
    now = start + s * 1_000;
    const results = await Promise.all(DEFAULT_SYMBOL_SPECS.map((spec) => chain.fetch(spec, { from: now - 300_000, to: now })));
    served += results.filter((r) => r.provider !== null).length;
  }
  await chain.close();

  const perMinute = new Map<string, number>();
  for (const c of calls) {
    const key = `${c.provider}@${Math.floor(c.at / 60_000)}`;
    perMinute.set(key, (perMinute.get(key) ?? 0) + 1);
  }
  const max = (p: string) => Math.max(...[...perMinute].filter(([k]) => k.startsWith(p)).map(([, v]) => v));
  const td = calls.filter((c) => c.provider === 'twelvedata');
  const perSymbol = DEFAULT_SYMBOL_SPECS.map((s) => td.filter((c) => c.symbol === s.symbol).length);
  console.log(
    `${hours} h of 1 s cycles × 3 symbols: twelvedata ${td.length} requests (max ${max('twelvedata')}/min, per symbol ${perSymbol}), ` +
      `polygon ${calls.length - td.length} (max ${max('polygon')}/min), answers ${served}/${hours * 3_600 * 3}`,
  );
  expect(max('twelvedata')).toBeLessThanOrEqual(8);
  expect(max('polygon')).toBeLessThanOrEqual(5);
  // 800/day spread evenly is one request per 108 s; at start every symbol is asked once at once.
  expect(td.length).toBeLessThanOrEqual(Math.ceil((hours * 3_600) / 108) + DEFAULT_SYMBOL_SPECS.length);
  expect(td.length).toBeGreaterThanOrEqual(Math.floor((hours * 3_600) / 108) - 1);
  expect(Math.max(...perSymbol) - Math.min(...perSymbol), 'fair share per symbol').toBeLessThanOrEqual(2);
});
