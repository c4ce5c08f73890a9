import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SYMBOL_SPECS } from '@marketpipe/core';
import { PolygonAggsFetcher } from '../../src/providers/polygon';
import { TwelveDataFetcher } from '../../src/providers/twelvedata';
import { startHistoryFake, tradingMinute, type HistoryFake } from '../bootstrap/history-fake';

const MINUTE = 60_000;
const DAY = 86_400_000;
const EURUSD = DEFAULT_SYMBOL_SPECS.find((s) => s.symbol === 'EURUSD')!;
const FROM = Date.UTC(2026, 8, 1);

let fake: HistoryFake;
beforeAll(async () => {
  fake = await startHistoryFake();
});
afterAll(() => fake.stop());

const tradingMinutes = (from: number, to: number) => {
  let n = 0;
  for (let t = from; t <= to; t += MINUTE) if (tradingMinute(t)) n++;
  return n;
};

describe('history requests in the providers’ real formats', () => {
  it('Polygon: a range beyond one 50,000-aggregate answer is followed through next_url, with the key', async () => {
    const fetcher = new PolygonAggsFetcher({ baseUrl: fake.url, apiKey: 'pg-key', timeoutMs: 10_000 });
    fake.requests.length = 0;
    const to = FROM + 60 * DAY - MINUTE;
    const { bars } = await fetcher.fetchBars(EURUSD, { from: FROM, to });
    await fetcher.close();
    expect(tradingMinutes(FROM, to)).toBeGreaterThan(50_000);
    expect(bars).toHaveLength(tradingMinutes(FROM, to));
    expect(new Set(bars.map((b) => b.ts)).size).toBe(bars.length);
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]).toMatch(/[?&]cursor=/);
  });

  it('Twelve Data: a past range is asked for by start_date/end_date in UTC, at most 5,000 bars', async () => {
    const fetcher = new TwelveDataFetcher({ baseUrl: fake.url, apiKey: 'td-key', timeoutMs: 10_000 });
    fake.requests.length = 0;
    const to = FROM + 3 * DAY - MINUTE;
    const { bars } = await fetcher.fetchBars(EURUSD, { from: FROM, to });
    await fetcher.close();
    const query = new URLSearchParams(fake.requests[0]!.split('?')[1]);
    expect(query.get('start_date')).toBe('2026-09-01 00:00:00');
    expect(query.get('end_date')).toBe('2026-09-04 00:00:00');
    expect(query.get('outputsize')).toBe('4320');
    expect(bars).toHaveLength(tradingMinutes(FROM, to));
    expect(bars[0]).toMatchObject({ symbol: 'EURUSD', ts: FROM, interval: '1m', source: 'twelvedata', final: true });
  });
});
