import { afterAll, beforeAll, expect, it } from 'vitest';
import { CollectorMetrics } from '../../src/metrics';
import { ProviderChain } from '../../src/providers/chain';
import { createFetchers } from '../../src/providers/factory';
import { loadConfig } from '../../src/config';
import { FAULTS, startFakeProviders, type FakeProviderName, type FakeProviders } from '../fakes';
import { captureLogger, EURUSD, lastMinutes } from './helpers';

let fakes: FakeProviders;
beforeAll(async () => {
  fakes = await startFakeProviders();
});
afterAll(() => fakes.stop());

const EXPECTED: Record<Exclude<(typeof FAULTS)[number], 'none'>, string[]> = {
  timeout: ['provider_error'],
  http500: ['provider_error'],
  http429: ['rate_limited'],
  rate_limit_body: ['rate_limited'],
  error_body: ['provider_error'],
  malformed_json: ['parse_error'],
  bad_prices: ['non_finite', 'non_positive_price'],
  duplicate_ts: ['duplicate_ts'],
  out_of_order: ['out_of_order'],
};

it('rejects or fails over every scripted fault of every provider with a counted reason', async () => {
  const metrics = new CollectorMetrics();
  const { logger, lines } = captureLogger();
  const config = loadConfig({ ...fakes.env, PROVIDER_TIMEOUT_MS: '300' });
  const seen: string[] = [];
  for (const fetcher of createFetchers(config)) {
    const name = fetcher.name as FakeProviderName;
    const chain = new ProviderChain({ fetchers: [fetcher], metrics, logger, breaker: { failures: 1_000 } });
    for (const fault of FAULTS) {
      if (fault === 'none') continue;
      fakes.setFault(name, fault, 1);
      const r = await chain.fetch(EURUSD, lastMinutes(10));
      const reasons = new Set([...r.failures.map((f) => f.code), ...r.rejects.map((x) => x.reason)]);
      seen.push(`${name}/${fault}: ${[...reasons].join(',') || '-'}`);
      if (name === 'alphavantage' && fault === 'duplicate_ts') {
        // A repeated time is a repeated JSON object key: JSON.parse keeps one, so nothing to reject.
        expect(new Set(r.bars.map((b) => b.ts)).size).toBe(r.bars.length);
        continue;
      }
      const expected = name === 'polygon' && fault === 'bad_prices' ? ['non_positive_price'] : EXPECTED[fault];
      for (const reason of expected) expect(reasons, `${name}/${fault}`).toContain(reason);
      expect(r.bars.every((b) => Number.isFinite(b.close) && b.close > 0), 'no bad bar passes').toBe(true);
    }
    await chain.close();
  }
  const byReason: Record<string, number> = {};
  for (const v of (await metrics.rejects.get()).values) byReason[String(v.labels.reason)] = (byReason[String(v.labels.reason)] ?? 0) + v.value;
  console.log(`faults → reasons:\n  ${seen.join('\n  ')}\nrejects counted by reason: ${JSON.stringify(byReason)}`);
  for (const key of Object.values(fakes.keys)) expect(lines.join(''), 'keys never logged').not.toContain(key);
});
