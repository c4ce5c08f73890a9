import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClient } from 'redis';
import { DEFAULT_SYMBOL_SPECS, redisKeys } from '@marketpipe/core';
import { eventually } from '@marketpipe/testkit';
import { loadConfig } from '../../src/config';
import { CollectorMetrics } from '../../src/metrics';
import { ProviderChain, type ProviderChainDeps } from '../../src/providers/chain';
import { createFetchers } from '../../src/providers/factory';
import { QuotaStore } from '../../src/providers/quota';
import type { BarFetcher } from '../../src/providers/types';
import { startFakeProviders, type FakeProviders } from '../fakes';
import { captureLogger, EURUSD, lastMinutes } from './helpers';

let fakes: FakeProviders;
let redis: ReturnType<typeof createClient>;
const chains: ProviderChain[] = [];

beforeAll(async () => {
  fakes = await startFakeProviders();
  redis = createClient({ url: inject('redisUrl') });
  await redis.connect();
});
afterEach(async () => {
  await Promise.all(chains.splice(0).map((c) => c.close()));
  for (const name of ['yahoo', 'alphavantage', 'twelvedata', 'polygon'] as const) {
    fakes.setFault(name, 'none');
    await fakes.restore(name);
  }
});
afterAll(async () => {
  await redis.quit();
  await fakes.stop();
});

function fetchersFor(providers: string): BarFetcher[] {
  return createFetchers(loadConfig({ ...fakes.env, PROVIDERS: providers, PROVIDER_TIMEOUT_MS: '300' }));
}

function chainOf(providers: string, extra: Partial<ProviderChainDeps> = {}) {
  const metrics = new CollectorMetrics();
  const { logger, lines } = captureLogger();
  const chain = new ProviderChain({ fetchers: fetchersFor(providers), metrics, logger, ...extra });
  chains.push(chain);
  return { chain, metrics, lines };
}

async function counts(metrics: CollectorMetrics, metric: 'rejects' | 'fetches') {
  const out: Record<string, number> = {};
  for (const v of (await metrics[metric].get()).values) {
    out[Object.values(v.labels).join('/')] = v.value;
  }
  return out;
}

describe('ProviderChain failover', () => {
  it('fails over from yahoo to the next provider, opens the breaker, and returns after the probe', async () => {
    const { chain, metrics, lines } = chainOf('yahoo,twelvedata', { breaker: { failures: 3, halfOpenMs: 200, maxBackoffMs: 400 } });
    expect((await chain.fetch(EURUSD, lastMinutes(5))).provider).toBe('yahoo');

    await fakes.kill('yahoo');
    for (let i = 0; i < 3; i += 1) {
      const r = await chain.fetch(EURUSD, lastMinutes(5));
      expect(r.provider).toBe('twelvedata');
      expect(r.bars.every((b) => b.source === 'twelvedata')).toBe(true);
      expect(r.failures).toEqual([expect.objectContaining({ provider: 'yahoo', code: 'provider_error', skipped: false })]);
    }
    expect(chain.breakerStates()).toEqual({ yahoo: 'open', twelvedata: 'closed' });
    expect((await metrics.breakerState.get()).values.find((v) => v.labels.provider === 'yahoo')?.value).toBe(1);
    const skipped = await chain.fetch(EURUSD, lastMinutes(5));
    expect(skipped.failures[0], 'open breaker: no request made').toMatchObject({ provider: 'yahoo', skipped: true });

    await fakes.restore('yahoo');
    await eventually(async () => expect((await chain.fetch(EURUSD, lastMinutes(5))).provider).toBe('yahoo'), { timeoutMs: 5_000 });
    expect(chain.breakerStates().yahoo).toBe('closed');
    expect((await metrics.breakerState.get()).values.find((v) => v.labels.provider === 'yahoo')?.value).toBe(0);
    expect(lines.join('')).toMatch(/circuit breaker open/);
    expect(lines.join('')).toMatch(/circuit breaker closed/);
    expect((await counts(metrics, 'rejects'))['provider_error/yahoo']).toBe(3);
  });

  it('keeps failed probes open with growing backoff while the provider stays down', async () => {
    const { chain } = chainOf('yahoo,polygon', { breaker: { failures: 1, halfOpenMs: 50, maxBackoffMs: 200 } });
    await fakes.kill('yahoo');
    await chain.fetch(EURUSD, lastMinutes(5));
    expect(chain.breakerStates().yahoo).toBe('open');
    await new Promise((r) => setTimeout(r, 250));
    const probe = await chain.fetch(EURUSD, lastMinutes(5));
    expect(probe.failures[0]).toMatchObject({ provider: 'yahoo', skipped: false });
    expect(chain.breakerStates().yahoo).toBe('open');
    expect(probe.provider).toBe('polygon');
  });

  it('returns provider null with every failure when all providers fail', async () => {
    const { chain } = chainOf('yahoo,polygon');
    fakes.setFault('yahoo', 'http500');
    fakes.setFault('polygon', 'error_body');
    const r = await chain.fetch(EURUSD, lastMinutes(5));
    expect(r).toMatchObject({ provider: null, bars: [] });
    expect(r.failures.map((f) => [f.provider, f.code])).toEqual([
      ['yahoo', 'provider_error'],
      ['polygon', 'provider_error'],
    ]);
  });

  it('skips providers with no mapping for the symbol without counting a failure', async () => {
    const { chain } = chainOf('polygon,yahoo');
    const noPolygon = { ...DEFAULT_SYMBOL_SPECS[0]!, providers: { yahoo: 'EURUSD=X' } };
    const r = await chain.fetch(noPolygon, lastMinutes(5));
    expect(r.provider).toBe('yahoo');
    expect(r.failures).toEqual([]);
  });

  it('accepts a sim-like fetcher as just another, unmetered entry', async () => {
    const sim: BarFetcher = {
      name: 'sim',
      historyLimitMs: 0,
      supports: () => true,
      fetchBars: async (spec) => {
        const ts = Math.floor(Date.now() / 60_000) * 60_000;
        return { bars: [{ symbol: spec.symbol, interval: '1m', ts, open: 1, high: 1, low: 1, close: 1, volume: 0, source: 'sim', final: false, filled: false }], rejects: [] };
      },
    };
    const metrics = new CollectorMetrics();
    const chain = new ProviderChain({ fetchers: [...fetchersFor('yahoo'), sim], metrics, logger: captureLogger().logger });
    chains.push(chain);
    await fakes.kill('yahoo');
    expect((await chain.fetch(EURUSD, lastMinutes(5))).provider).toBe('sim');
  });
});

describe('ProviderChain quotas', () => {
  it('never exceeds a quota across restarts (new chain and QuotaStore on the same Redis)', async () => {
    const keys = redisKeys(`test:chain:${Date.now()}:`);
    const before = fakes.servers.polygon.requests;
    const results = [];
    for (let restart = 0; restart < 5; restart += 1) {
      const quota = new QuotaStore({ redis, keys });
      const { chain } = chainOf('polygon', { quota, limits: { polygon: [{ window: 'minute', limit: 3 }] } });
      results.push(await chain.fetch(EURUSD, lastMinutes(5)));
      await chain.close();
    }
    expect(fakes.servers.polygon.requests - before, 'requests reaching the provider').toBe(3);
    expect(results.map((r) => r.provider ?? r.failures[0]?.code)).toEqual(['polygon', 'polygon', 'polygon', 'rate_limited', 'rate_limited']);
  });
});
