import { describe, expect, it } from 'vitest';
import { parseAlphaVantage } from '../../src/providers/alphavantage';
import { num } from '../../src/providers/bars';
import { localToUtc } from '../../src/providers/localtime';
import { parsePolygonAggs } from '../../src/providers/polygon';
import { parseTwelveData, parseTwelveDataQuote } from '../../src/providers/twelvedata';
import { ProviderError } from '../../src/providers/types';
import { parseYahooChart } from '../../src/providers/yahoo';
import { recorded } from '../fakes/recorded';

const ctx = (source: string) => ({ symbol: 'TEST', source, now: Date.UTC(2030, 0, 1) });

function providerError(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('expected a ProviderError');
}

describe('num (the decimal strings of Twelve Data and Alpha Vantage)', () => {
  it('reads decimals with surrounding whitespace, and a blank or "-" as missing (NaN), never 0', () => {
    expect([' 1.25 ', '0', '0.000', '-0.5', '1e3'].map(num)).toEqual([1.25, 0, 0, -0.5, 1000]);
    for (const missing of ['', '   ', '-', 'abc', '\t']) expect(num(missing), JSON.stringify(missing)).toBeNaN();
  });
});

describe('Yahoo chart v8', () => {
  it('skips the whole-null row of the recorded AAPL 1m session and keeps seconds → ms', () => {
    const body = recorded('yahoo/chart-AAPL-1m-with-nulls.json') as { chart: { result: [{ timestamp: number[] }] } };
    const { bars, rejects } = parseYahooChart(body, ctx('yahoo'));
    const stamps = body.chart.result[0].timestamp;
    expect(bars).toHaveLength(stamps.length - 1);
    expect(rejects).toEqual([]);
    expect(bars.map((b) => b.ts)).not.toContain(stamps[105]! * 1000);
    expect(bars[0]).toMatchObject({ ts: stamps[0]! * 1000, source: 'yahoo', interval: '1m', final: true, filled: false });
    expect(bars.every((b) => b.close > 0 && b.volume >= 0), 'no null turned into 0').toBe(true);
  });

  it('reads a weekend answer without timestamps as no bars', () => {
    expect(parseYahooChart(recorded('yahoo/chart-AAPL-1m-weekend-empty-quote.json'), ctx('yahoo')).bars).toEqual([]);
  });

  it('turns chart.error bodies into provider_error with Yahoo’s description', () => {
    const e = providerError(() => parseYahooChart(recorded('yahoo/chart-SI-error-404-delisted.json'), ctx('yahoo')));
    expect(e.code).toBe('provider_error');
    expect(e.message).toContain('symbol may be delisted');
    expect(providerError(() => parseYahooChart(recorded('yahoo/chart-BFLY-error-400-data-doesnt-exist.json'), ctx('yahoo'))).code).toBe('provider_error');
  });

  it('rejects a payload at another granularity than 1m whole, as wrong_interval', () => {
    const e = providerError(() => parseYahooChart(recorded('yahoo/chart-EURUSD=X-1d.json'), ctx('yahoo')));
    expect([e.code, e.message]).toEqual(['wrong_interval', 'yahoo: payload holds 1d bars, 1m was asked for']);
  });

  it('rejects a row with only some fields null as non_finite', () => {
    // The recorded daily chart, relabelled 1m: only its rows matter here.
    const body = structuredClone(recorded('yahoo/chart-EURUSD=X-1d.json')) as {
      chart: { result: [{ meta: { dataGranularity: string }; indicators: { quote: [{ close: (number | null)[] }] } }] };
    };
    body.chart.result[0].meta.dataGranularity = '1m';
    body.chart.result[0].indicators.quote[0].close[1] = null;
    const { bars, rejects } = parseYahooChart(body, ctx('yahoo'));
    expect(bars).toHaveLength(2);
    expect(rejects.map((r) => r.reason)).toEqual(['non_finite']);
  });
});

describe('Alpha Vantage', () => {
  it('converts US/Eastern wall times of the recorded MSFT 1min series to UTC, oldest first', () => {
    const { bars } = parseAlphaVantage(recorded('alphavantage/time-series-intraday-MSFT-1min-2017.json'), ctx('alphavantage'));
    expect(bars).toHaveLength(100);
    expect(bars.at(-1)).toMatchObject({ ts: Date.UTC(2017, 11, 18, 19, 56), open: 86.49, close: 86.5, volume: 10494 });
    expect(bars.every((b, i) => i === 0 || b.ts > bars[i - 1]!.ts)).toBe(true);
  });

  it('rejects the recorded 5min FX series as wrong_interval, whether the meta data or the series key says so', () => {
    expect(providerError(() => parseAlphaVantage(recorded('alphavantage/fx-intraday-EURUSD-5min.json'), ctx('a'))).code).toBe('wrong_interval');
    const body = structuredClone(recorded('alphavantage/fx-intraday-EURUSD-5min.json')) as Record<string, Record<string, unknown>>;
    delete body['Meta Data']!['5. Interval'];
    expect(providerError(() => parseAlphaVantage(body, ctx('a'))).message).toContain('5min');
  });

  it('reads FX bars in UTC with volume 0', () => {
    // The recorded 5min FX series relabelled 1min: its times and zone are what is checked.
    const body = structuredClone(recorded('alphavantage/fx-intraday-EURUSD-5min.json')) as Record<string, Record<string, unknown>>;
    body['Meta Data']!['5. Interval'] = '1min';
    body['Time Series FX (1min)'] = body['Time Series FX (5min)']!;
    delete body['Time Series FX (5min)'];
    const { bars } = parseAlphaVantage(body, ctx('alphavantage'));
    expect(bars.map((b) => [b.ts, b.close, b.volume])).toEqual([
      [Date.UTC(2020, 4, 6, 21, 50), 1.0795, 0],
      [Date.UTC(2020, 4, 6, 21, 55), 1.0794, 0],
    ]);
  });

  it('applies daylight saving time: a July bar is UTC-4, a December bar UTC-5', () => {
    const body = structuredClone(recorded('alphavantage/time-series-intraday-MSFT-1min-2017.json')) as Record<string, Record<string, unknown>>;
    const series = body['Time Series (1min)']!;
    body['Time Series (1min)'] = { '2024-07-01 09:30:00': Object.values(series)[0] };
    expect(parseAlphaVantage(body, ctx('alphavantage')).bars[0]!.ts).toBe(Date.UTC(2024, 6, 1, 13, 30));
  });

  it('maps HTTP-200 Note and Information to rate_limited and Error Message to provider_error', () => {
    expect(providerError(() => parseAlphaVantage(recorded('alphavantage/rate-limit-note-2018-5permin-500perday.json'), ctx('a'))).code).toBe('rate_limited');
    expect(providerError(() => parseAlphaVantage(recorded('alphavantage/rate-limit-information-2025-25perday.json'), ctx('a'))).code).toBe('rate_limited');
    expect(providerError(() => parseAlphaVantage(recorded('alphavantage/error-invalid-api-call-FX_DAILY.json'), ctx('a'))).code).toBe('provider_error');
  });
});

describe('local time conversion', () => {
  it('handles both New York DST transitions', () => {
    expect(localToUtc('2024-03-10 01:59:00', 'America/New_York')).toBe(Date.UTC(2024, 2, 10, 6, 59));
    expect(localToUtc('2024-03-10 03:00:00', 'America/New_York')).toBe(Date.UTC(2024, 2, 10, 7, 0));
    expect(localToUtc('2024-11-03 01:30:00', 'America/New_York'), 'repeated hour: daylight reading').toBe(Date.UTC(2024, 10, 3, 5, 30));
    expect(localToUtc('2024-11-03 02:00:00', 'America/New_York')).toBe(Date.UTC(2024, 10, 3, 7, 0));
    expect(localToUtc('not a time', 'UTC')).toBeNaN();
    expect(localToUtc('2024-01-01 00:00:00', 'Not/AZone')).toBeNaN();
  });

  it('answers a stamp asked again, in another zone, or after thousands of others, as the first time', () => {
    const stamp = '2024-07-01 09:30:00';
    expect(localToUtc(stamp, 'UTC')).toBe(Date.UTC(2024, 6, 1, 9, 30));
    expect(localToUtc(stamp, 'America/New_York')).toBe(Date.UTC(2024, 6, 1, 13, 30));
    expect(localToUtc(stamp, 'UTC')).toBe(Date.UTC(2024, 6, 1, 9, 30));
    for (let i = 0; i < 10_000; i++) {
      const ts = Date.UTC(2024, 0, 1) + i * 60_000;
      const d = new Date(ts).toISOString();
      expect(localToUtc(`${d.slice(0, 10)} ${d.slice(11, 19)}`, 'UTC')).toBe(ts);
    }
    expect(localToUtc(stamp, 'America/New_York')).toBe(Date.UTC(2024, 6, 1, 13, 30));
    expect(localToUtc('not a time', 'UTC')).toBeNaN();
  });
});

describe('Twelve Data', () => {
  it('reads the docs 1min example in its exchange time zone', () => {
    const { bars } = parseTwelveData(recorded('twelvedata/time-series-AAPL-1min.json'), ctx('twelvedata'));
    expect(bars).toEqual([expect.objectContaining({ ts: Date.UTC(2021, 8, 16, 19, 59), close: 148.85001, volume: 624277 })]);
  });

  it('reads a recorded /quote as the bar of the candle it reports', () => {
    const batch = recorded('twelvedata/batch-quote-AAPL-MSFT.json') as Record<string, unknown>;
    const { bars } = parseTwelveDataQuote(batch.MSFT, ctx('twelvedata'), 'America/New_York');
    expect(bars).toEqual([
      expect.objectContaining({ ts: Date.UTC(2024, 10, 22, 5), open: 412.18, high: 415.63, low: 411.36, close: 414.17, volume: 18_934_500 }),
    ]);
    expect(providerError(() => parseTwelveDataQuote(recorded('twelvedata/error-429-minute-credits.json'), ctx('t'))).code).toBe('rate_limited');
    expect(providerError(() => parseTwelveDataQuote({ symbol: 'X' }, ctx('t'))).code).toBe('parse_error');
  });

  it('rejects a series declared at another interval as wrong_interval', () => {
    const body = structuredClone(recorded('twelvedata/time-series-AAPL-1min.json')) as { meta: { interval: string } };
    body.meta.interval = '5min';
    expect(providerError(() => parseTwelveData(body, ctx('t'))).code).toBe('wrong_interval');
  });

  it('maps code 429 to rate_limited and other error bodies to provider_error', () => {
    expect(providerError(() => parseTwelveData(recorded('twelvedata/error-429-minute-credits.json'), ctx('t'))).code).toBe('rate_limited');
    const batch = recorded('twelvedata/batch-time-series-with-400-symbol-not-found.json') as Record<string, unknown>;
    expect(providerError(() => parseTwelveData(batch.INVALID, ctx('t'))).code).toBe('provider_error');
  });
});

describe('Polygon aggregates', () => {
  it('rejects the recorded daily aggregates as wrong_interval (aggregates declare no resolution: whole days apart)', () => {
    expect(providerError(() => parsePolygonAggs(recorded('polygon/aggs-C_EURUSD-1day-2023-01-01_2023-01-10.json'), ctx('p'))).code).toBe('wrong_interval');
  });

  it('reads ms timestamps and treats missing volume (indices) as 0', () => {
    // The recorded daily aggregates re-timed to consecutive minutes, values unchanged.
    const body = structuredClone(recorded('polygon/aggs-C_EURUSD-1day-2023-01-01_2023-01-10.json')) as { results: { t: number }[] };
    body.results.forEach((r, i) => (r.t = 1672531200000 + i * 60_000));
    const fx = parsePolygonAggs(body, ctx('polygon')).bars;
    expect(fx).toHaveLength(10);
    expect(fx[0]).toMatchObject({ ts: 1672531200000, open: 1.06849, close: 1.0793, volume: 12 });
    const index = structuredClone(recorded('polygon/aggs-I_NDX-docs.json')) as { results: { t: number }[] };
    index.results.forEach((r, i) => (r.t = 1672531200000 + i * 60_000));
    const ndx = parsePolygonAggs(index, ctx('polygon')).bars;
    expect(ndx.map((b) => b.volume)).toEqual([0, 0]);
  });

  it('reads an empty window (no results key) as no bars and NOT_AUTHORIZED as provider_error', () => {
    expect(parsePolygonAggs({ ticker: 'C:EURUSD', status: 'OK', resultsCount: 0 }, ctx('p')).bars).toEqual([]);
    expect(providerError(() => parsePolygonAggs(recorded('polygon/error-403-not-entitled-free-plan.json'), ctx('p'))).code).toBe('provider_error');
  });
});
