import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClient } from 'redis';
import { redisKeys, type Bar, type ProviderName } from '@marketpipe/core';
import { CollectorMetrics } from '../../src/metrics';
import { ProviderChain, type ProviderFailure } from '../../src/providers/chain';
import { QuotaStore } from '../../src/providers/quota';
import { ServingLog } from '../../src/providers/serving';
import type { BarFetcher } from '../../src/providers/types';
import { capturingLogger } from '../log-capture';
import { EURUSD } from '../providers/helpers';

const MINUTE = 60_000;
const T0 = Date.UTC(2031, 0, 2, 10, 15, 0);

/** A provider that always answers with one bar of the minute before `now`. */
function stubFetcher(name: ProviderName, now: () => number): BarFetcher {
  return {
    name,
    historyLimitMs: 86_400_000,
    supports: () => true,
    fetchBars: async (spec) => {
      const ts = Math.floor(now() / MINUTE) * MINUTE - MINUTE;
      const bar: Bar = { symbol: spec.symbol, interval: '1m', ts, open: 1, high: 1, low: 1, close: 1, volume: 0, source: name, final: true, filled: false };
      return { bars: [bar], rejects: [] };
    },
  };
}

describe('provider quota: one line when it runs out, one when it is back', () => {
  let redis: ReturnType<typeof createClient>;
  beforeAll(async () => {
    redis = createClient({ url: inject('redisUrl') });
    await redis.connect();
  });
  afterAll(() => redis.quit());

  it('logs exhaustion once however often it is refused, and shows the quota left in the gauges', async () => {
    let now = T0;
    const clock = { now: () => now };
    const log = capturingLogger('info');
    const metrics = new CollectorMetrics();
    const chain = new ProviderChain({
      fetchers: [stubFetcher('polygon', clock.now)],
      limits: { polygon: [{ window: 'minute', limit: 2 }, { window: 'day', limit: 10 }] },
      quota: new QuotaStore({ redis, keys: redisKeys(`test:quota-log:${Date.now()}:`) }),
      metrics,
      logger: log.logger,
      clock,
    });
    const fetch = () => chain.fetch(EURUSD, { from: now - 5 * MINUTE, to: now }, { purpose: 'history' });
    const remaining = async () => (await metrics.registry.getSingleMetricAsString('marketpipe_provider_quota_remaining')).split('\n').slice(2);

    const first = [];
    for (let i = 0; i < 6; i++) first.push((await fetch()).provider);
    expect(first).toEqual(['polygon', 'polygon', null, null, null, null]);
    // The refusal reports only the full minute window; the day keeps the count it had.
    expect(await remaining()).toEqual(['marketpipe_provider_quota_remaining{provider="polygon",window="minute"} 0', 'marketpipe_provider_quota_remaining{provider="polygon",window="day"} 8']);
    const exhausted = log.find('provider quota exhausted');
    expect(exhausted).toHaveLength(1);
    expect(exhausted[0]).toMatchObject({ provider: 'polygon', windows: ['minute'], resetsAt: new Date(T0 + MINUTE).toISOString() });

    now = T0 + MINUTE;
    expect(await remaining(), 'a new minute shows its full quota before any request').toEqual([
      'marketpipe_provider_quota_remaining{provider="polygon",window="minute"} 2',
      'marketpipe_provider_quota_remaining{provider="polygon",window="day"} 8',
    ]);
    expect((await fetch()).provider).toBe('polygon');
    expect(log.find('provider quota available again')).toHaveLength(1);
    expect(log.lines).toHaveLength(2);
    expect(await metrics.registry.getSingleMetricAsString('marketpipe_provider_quota_limit')).toContain('{provider="polygon",window="day"} 10');
    await chain.close();
  });
});

describe('ServingLog: which provider serves a symbol, logged per change that matters', () => {
  const failed = (provider: ProviderName, paced = false): ProviderFailure => ({
    provider,
    code: paced ? 'rate_limited' : 'provider_error',
    detail: paced ? 'not due yet (quota pacing)' : 'connect ECONNREFUSED',
    skipped: paced,
    ...(paced && { paced }),
  });

  it('logs fail-over, a symbol nobody serves and the return at info/warn, a pacing shuffle at debug only', () => {
    const log = capturingLogger('debug');
    const serving = new ServingLog(log.logger);
    const steps: Array<() => void> = [
      () => serving.served('EURUSD', 'yahoo', []),
      () => serving.served('EURUSD', 'twelvedata', [failed('yahoo')]),
      () => serving.served('EURUSD', 'polygon', [failed('yahoo'), failed('twelvedata', true)]),
      () => serving.served('EURUSD', 'twelvedata', [failed('yahoo')]),
      () => serving.unserved('EURUSD', [failed('yahoo'), failed('twelvedata', true)]),
      () => serving.unserved('EURUSD', [failed('yahoo'), failed('twelvedata'), failed('polygon')]),
      () => serving.unserved('EURUSD', [failed('yahoo'), failed('twelvedata'), failed('polygon')]),
      () => serving.served('EURUSD', 'yahoo', []),
    ];
    const logged = steps.map((step) => {
      const before = log.lines.length;
      step();
      return log.lines.slice(before).map((l) => `${l.level}:${l.msg}:${String(l.from)}→${String(l.to)}`);
    });
    expect(logged).toEqual([
      [],
      ['30:provider failover:yahoo→twelvedata'],
      ['20:serving provider changed:twelvedata→polygon'],
      ['20:serving provider changed:polygon→twelvedata'],
      [],
      ['40:no provider serves symbol:twelvedata→undefined'],
      [],
      ['30:provider failback:null→yahoo'],
    ]);
  });
});
