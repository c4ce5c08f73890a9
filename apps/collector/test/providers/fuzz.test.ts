import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { validateBars, type Bar } from '@marketpipe/core';
import { parseAlphaVantage } from '../../src/providers/alphavantage';
import { parsePolygonAggs } from '../../src/providers/polygon';
import { parseTwelveData } from '../../src/providers/twelvedata';
import { ProviderError } from '../../src/providers/types';
import { parseYahooChart } from '../../src/providers/yahoo';

const NOW = Date.UTC(2025, 5, 2, 14, 30, 15);
const ctx = { symbol: 'EURUSD', source: 'fuzz', now: NOW };
const RUNS_PER_PARSER = 2_500;

/** Numbers as providers send them, plus the values that break naive parsers. */
const price = fc.oneof(fc.double({ noNaN: false }), fc.constantFrom(0, -1, 1.0842, 1e308, -0), fc.integer());
const priceText = fc.oneof(price.map(String), fc.constantFrom('-', '', 'NaN', ' 1.1 ', '1e3', 'abc'));
const minuteSec = fc.integer({ min: 1_600_000_000, max: 1_800_000_000 }).map((s) => s - (s % 60));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, fc.constant(null), fc.constant(undefined), fc.anything());

const yahoo = fc.oneof(
  fc.anything(),
  fc.record({
    chart: fc.record({
      result: maybe(
        fc.array(
          fc.record({
            timestamp: maybe(fc.array(fc.oneof(minuteSec, fc.integer()), { maxLength: 8 })),
            indicators: fc.record({
              quote: fc.array(fc.dictionary(fc.constantFrom('open', 'high', 'low', 'close', 'volume'), fc.array(fc.option(price), { maxLength: 8 })), { maxLength: 2 }),
            }),
          }),
          { maxLength: 2 },
        ),
      ),
      error: maybe(fc.record({ code: fc.string(), description: fc.string() })),
    }),
  }),
);

const local = fc.oneof(
  fc.date({ min: new Date(2015, 0, 1), max: new Date(2030, 0, 1), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 19).replace('T', ' ')),
  fc.string(),
);
const avValues = fc.record({ '1. open': priceText, '2. high': priceText, '3. low': priceText, '4. close': priceText, '5. volume': fc.option(priceText, { nil: undefined }) }, { requiredKeys: ['1. open', '2. high', '3. low', '4. close'] });
const alphaVantage = fc.oneof(
  fc.anything(),
  fc.record({ Note: fc.string() }),
  fc.record({
    'Meta Data': fc.record({ '6. Time Zone': fc.constantFrom('US/Eastern', 'UTC', 'Mars/Olympus', '') }),
    'Time Series (1min)': fc.dictionary(local, fc.oneof(avValues, fc.anything()), { maxKeys: 8 }),
  }),
);

const twelveData = fc.oneof(
  fc.anything(),
  fc.record({ code: fc.integer(), message: fc.string(), status: fc.constant('error') }),
  fc.record({
    status: fc.constantFrom('ok', 'error', 'OK'),
    meta: fc.record({ symbol: fc.string(), interval: fc.constant('1min'), exchange_timezone: fc.constantFrom('UTC', 'America/New_York', 'x') }),
    values: fc.array(fc.record({ datetime: local, open: priceText, high: priceText, low: priceText, close: priceText }), { maxLength: 8 }),
  }),
);

const polygon = fc.oneof(
  fc.anything(),
  fc.record({
    status: fc.constantFrom('OK', 'DELAYED', 'ERROR', 'NOT_AUTHORIZED'),
    results: fc.option(fc.array(fc.record({ o: price, h: price, l: price, c: price, v: fc.option(price, { nil: undefined }), t: fc.oneof(minuteSec.map((s) => s * 1000), fc.integer()) }), { maxLength: 8 }), { nil: undefined }),
    message: fc.option(fc.string(), { nil: undefined }),
  }),
);

/** What every accepted bar must satisfy, whatever the payload was. */
function assertSound(bars: readonly Bar[]): void {
  let last = Number.NEGATIVE_INFINITY;
  for (const b of bars) {
    for (const v of [b.open, b.high, b.low, b.close, b.volume, b.ts]) expect(Number.isFinite(v)).toBe(true);
    expect(Math.min(b.open, b.high, b.low, b.close)).toBeGreaterThan(0);
    expect(b.high).toBeGreaterThanOrEqual(Math.max(b.open, b.close, b.low));
    expect(b.low).toBeLessThanOrEqual(Math.min(b.open, b.close));
    expect(b.volume).toBeGreaterThanOrEqual(0);
    expect(b.ts % 60_000 === 0, `ts ${b.ts} aligned`).toBe(true); // -0 % n is -0
    expect(b.ts).toBeGreaterThan(last);
    last = b.ts;
  }
}

function parsesOrProviderError(parse: () => { bars: Bar[] }): void {
  let bars: Bar[];
  try {
    bars = parse().bars;
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return;
  }
  const { accepted, rejects } = validateBars(bars, { now: NOW });
  expect(accepted.length + rejects.length).toBe(bars.length);
  assertSound(accepted);
}

describe('fuzzed payloads', () => {
  it.each([
    ['yahoo', yahoo, (b: unknown) => parseYahooChart(b, ctx)],
    ['alphavantage', alphaVantage, (b: unknown) => parseAlphaVantage(b, ctx)],
    ['twelvedata', twelveData, (b: unknown) => parseTwelveData(b, ctx)],
    ['polygon', polygon, (b: unknown) => parsePolygonAggs(b, ctx)],
  ] as const)('%s: parse throws only ProviderError, and validated bars are always sound', (_name, arb, parse) => {
    fc.assert(fc.property(arb as fc.Arbitrary<unknown>, (body) => parsesOrProviderError(() => parse(body))), { numRuns: RUNS_PER_PARSER });
  });

  it('validateBars accepts only sound, strictly increasing bars from 10,000 arbitrary series', () => {
    const bar = fc.record({
      symbol: fc.constant('EURUSD'),
      interval: fc.constant('1m' as const),
      ts: fc.oneof(fc.integer({ min: 0, max: 40 }).map((i) => NOW - (NOW % 60_000) - i * 60_000), fc.double(), fc.integer()),
      open: price,
      high: price,
      low: price,
      close: price,
      volume: price,
      source: fc.constant('fuzz'),
      final: fc.boolean(),
      filled: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(bar, { maxLength: 12 }), (bars) => {
        const { accepted, rejects } = validateBars(bars, { now: NOW });
        expect(accepted.length + rejects.length).toBe(bars.length);
        assertSound(accepted);
      }),
      { numRuns: 10_000 },
    );
  });
});
