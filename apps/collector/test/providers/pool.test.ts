import { afterAll, beforeAll, expect, it } from 'vitest';
import { YahooChartFetcher } from '../../src/providers/yahoo';
import { startFakeProviders, type FakeProviders } from '../fakes';
import { EURUSD, lastMinutes } from './helpers';

let fakes: FakeProviders;
beforeAll(async () => {
  fakes = await startFakeProviders();
});
afterAll(() => fakes.stop());

async function connectionsFor100Polls(keepAlive: boolean): Promise<number> {
  const server = fakes.servers.yahoo;
  const fetcher = new YahooChartFetcher({ baseUrl: server.url, timeoutMs: 2_000, keepAlive });
  const before = server.connections;
  for (let i = 0; i < 100; i += 1) await fetcher.fetchBars(EURUSD, lastMinutes(5));
  await fetcher.close();
  return server.connections - before;
}

it('reuses pooled keep-alive connections: 100 polls open far fewer TCP connections', async () => {
  const pooled = await connectionsFor100Polls(true);
  const fresh = await connectionsFor100Polls(false);
  console.log(`TCP connections per 100 polls: pooled keep-alive = ${pooled}, keep-alive off = ${fresh}`);
  expect(fresh).toBe(100);
  expect(pooled).toBeLessThanOrEqual(2);
});
