import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '@marketpipe/testkit';
import { startCollector, type RunningCollector } from '../src/collector';
import { startFakeProviders, type FakeProviders } from './fakes';
import { failoverConfig, silentLogger } from './helpers';

/**
 * Issue "Providers and resilience", done-when: fake servers for all four providers, the real
 * 1-second loop over EURUSD, XAUUSD and NAS100 with Yahoo primary; killing Yahoo moves the
 * bars to the next provider; restoring it brings Yahoo back after the breaker's probe.
 */
describe('provider failover in the live loop', () => {
  let fakes: FakeProviders;
  let collector: RunningCollector;
  const sources = async () => {
    const out: Record<string, string | undefined> = {};
    for (const s of collector.specs) out[s.symbol] = (await collector.window.forming(s.symbol))?.source;
    return out;
  };
  const allFrom = (provider: string) => async () => {
    const now = await sources();
    expect(Object.values(now), JSON.stringify(now)).toEqual([provider, provider, provider]);
  };

  beforeAll(async () => {
    fakes = await startFakeProviders();
    const config = failoverConfig(inject('redisUrl'), fakes.env);
    collector = await startCollector(config, { logger: silentLogger(), healthServer: false });
  });
  afterAll(async () => {
    await collector?.stop();
    await fakes?.stop();
  });

  it('serves every symbol from Yahoo while it is up, with history backfilled from it', async () => {
    await eventually(allFrom('yahoo'), { timeoutMs: 10_000 });
    const finals = await collector.window.finals('EURUSD');
    expect(finals.length).toBeGreaterThan(30);
    expect(new Set(finals.map((b) => b.source))).toEqual(new Set(['yahoo']));
  });

  it('continues from the next provider when Yahoo dies, and returns to Yahoo after the probe', async () => {
    await fakes.kill('yahoo');
    const killedAt = Date.now();
    await eventually(allFrom('twelvedata'), { timeoutMs: 20_000, intervalMs: 200 });
    const failoverMs = Date.now() - killedAt;
    const failures = (await collector.metrics.fetches.get()).values
      .filter((v) => v.labels.provider === 'yahoo' && v.labels.outcome !== 'ok' && v.labels.outcome !== 'not_due')
      .reduce((n, v) => n + v.value, 0);
    expect(failures, 'yahoo failures counted').toBeGreaterThan(0);

    await fakes.restore('yahoo');
    const restoredAt = Date.now();
    await eventually(allFrom('yahoo'), { timeoutMs: 20_000, intervalMs: 200 });
    const recoveryMs = Date.now() - restoredAt;
    console.info(`failover to twelvedata in ${failoverMs} ms; back to yahoo ${recoveryMs} ms after restore`);
  });
});
