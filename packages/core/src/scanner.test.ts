import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Features, Signal, SignalSide } from './types';
import { scan, type ScannerOptions } from './scanner';

const PERIODS: Features['periods'] = { ema: [9, 21, 50, 200], rsi: 14, atr: 14, momentum: 10, volumeMa: 20, bb: [20, 2], macd: [12, 26, 9] };

function features(over: Partial<Features> = {}): Features {
  return {
    symbol: 'XAUUSD',
    interval: '1m',
    ts: 1_764_028_800_000,
    final: false,
    close: 2410,
    defs: 'talib',
    ema: { '9': 2408, '21': 2405, '50': 2400, '200': 2390 },
    rsi: 62,
    atr: 2,
    momentum: 4,
    volumeMa: 800,
    vwap: 2404,
    bb: { middle: 2405, upper: 2415, lower: 2395, bandwidth: 0.0083, percentB: 0.75 },
    macd: { macd: 1.2, signal: 0.8, histogram: 0.4 },
    periods: PERIODS,
    warm: true,
    computedAt: 0,
    ...over,
  };
}

describe('scan', () => {
  it('gives a full-score long with ATR stop and target when every vote agrees', () => {
    const s = scan(features(), 123);
    expect(s).toMatchObject({ symbol: 'XAUUSD', side: 'long', score: 1, price: 2410, stop: 2407, target: 2416, computedAt: 123 });
    expect(s.reasons).toEqual(['ema_trend_up', 'above_long_ema', 'macd_bullish', 'rsi_bullish', 'above_vwap']);
  });

  it('mirrors to a short', () => {
    const s = scan(
      features({
        close: 2390,
        ema: { '9': 2392, '21': 2395, '50': 2400, '200': 2410 },
        rsi: 38,
        vwap: 2396,
        macd: { macd: -1.2, signal: -0.8, histogram: -0.4 },
      }),
      0,
    );
    expect(s).toMatchObject({ side: 'short', score: 1, stop: 2393, target: 2384 });
  });

  it('stays flat with no stop or target when the votes disagree', () => {
    const s = scan(features({ ema: { '9': 2400, '21': 2405, '50': 2401, '200': 2420 }, rsi: 50, macd: { macd: -0.1, signal: 0, histogram: -0.1 } }), 0);
    expect(s.side).toBe('flat');
    expect(s.score).toBeLessThan(0.35);
    expect(s.stop).toBeNull();
    expect(s.target).toBeNull();
  });

  it('leans against a stretched RSI and reports a squeeze', () => {
    const s = scan(features({ rsi: 81, bb: { middle: 2405, upper: 2406, lower: 2404, bandwidth: 0.0008, percentB: 0.9 } }), 0);
    expect(s.reasons).toContain('rsi_overbought');
    expect(s.reasons).toContain('bb_squeeze');
    expect(s.score).toBeCloseTo(0.3 + 0.15 + 0.25 - 0.075 + 0.15, 10);
  });

  it('says it is warming up rather than guessing', () => {
    const s = scan(features({ warm: false }), 0);
    expect(s).toMatchObject({ side: 'flat', score: 0, reasons: ['warming_up'], stop: null, target: null });
  });

  it('never emits a score outside 0..1 or a non-finite level', () => {
    const s = scan(features({ atr: 0, vwap: null, rsi: null }), 0);
    expect(s.score).toBeGreaterThanOrEqual(0);
    expect(s.score).toBeLessThanOrEqual(1);
    expect(s.stop).toBeNull();
  });
});

/** scan as first written (votes as objects, reduce, flatMap): the rewrite must give the same signals. */
function referenceScan(f: Features, computedAt: number, opts: ScannerOptions = {}): Signal {
  type Vote = { weight: number; value: number; reason: string | null };
  const vote = (weight: number, value: number, up: string, down: string): Vote => ({ weight, value, reason: value > 0 ? up : value < 0 ? down : null });
  const threshold = opts.threshold ?? 0.35;
  const base = { symbol: f.symbol, price: f.close, ts: f.ts, computedAt };
  if (!f.warm) return { ...base, side: 'flat', score: 0, reasons: ['warming_up'], stop: null, target: null };
  const emas = f.periods.ema.map((p) => f.ema[String(p)] ?? null);
  const [fast, mid, slow] = emas;
  const longest = emas.at(-1) ?? null;
  const { macd, signal, histogram } = f.macd;
  const rsi = f.rsi ?? 50;
  const stacked = fast == null || mid == null || slow == null ? 0 : fast > mid && mid > slow ? 1 : fast < mid && mid < slow ? -1 : 0;
  const rsiVote: Vote =
    rsi >= 70 ? { weight: 0.15, value: -0.5, reason: 'rsi_overbought' }
    : rsi <= 30 ? { weight: 0.15, value: 0.5, reason: 'rsi_oversold' }
    : vote(0.15, rsi > 55 ? 1 : rsi < 45 ? -1 : 0, 'rsi_bullish', 'rsi_bearish');
  const votes: Vote[] = [
    vote(0.3, stacked, 'ema_trend_up', 'ema_trend_down'),
    vote(0.15, longest === null ? 0 : Math.sign(f.close - longest), 'above_long_ema', 'below_long_ema'),
    vote(0.25, histogram === null || macd === null || signal === null ? 0 : Math.sign(histogram) * (Math.sign(macd) === Math.sign(histogram) ? 1 : 0.5), 'macd_bullish', 'macd_bearish'),
    rsiVote,
    vote(0.15, f.vwap === null ? 0 : Math.sign(f.close - f.vwap), 'above_vwap', 'below_vwap'),
  ];
  const total = votes.reduce((s, v) => s + v.weight * v.value, 0);
  const side: SignalSide = total >= threshold ? 'long' : total <= -threshold ? 'short' : 'flat';
  const reasons = votes.flatMap((v) => (v.reason ? [v.reason] : []));
  if (f.bb.bandwidth !== null && f.bb.bandwidth < (opts.squeezeBandwidth ?? 0.001)) reasons.push('bb_squeeze');
  const atr = f.atr ?? 0;
  const dir = side === 'long' ? 1 : side === 'short' ? -1 : 0;
  return {
    ...base,
    side,
    score: Math.round(Math.min(1, Math.abs(total)) * 1000) / 1000,
    reasons,
    stop: dir === 0 || atr <= 0 ? null : f.close - dir * (opts.stopAtr ?? 1.5) * atr,
    target: dir === 0 || atr <= 0 ? null : f.close + dir * (opts.targetAtr ?? 3) * atr,
  };
}

describe('scan against its first version', () => {
  const level = fc.oneof(fc.constant(null), fc.double({ min: 90, max: 110, noNaN: true }), fc.constantFrom(100, -0, 0));
  const arbitrary = fc
    .record({
      periods: fc.uniqueArray(fc.integer({ min: 1, max: 300 }), { maxLength: 5 }),
      values: fc.array(level, { minLength: 5, maxLength: 5 }),
      close: fc.oneof(fc.double({ min: 90, max: 110, noNaN: true }), fc.constant(100)),
      rsi: fc.oneof(fc.constant(null), fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom(30, 45, 55, 70)),
      atr: fc.oneof(fc.constant(null), fc.double({ min: -1, max: 5, noNaN: true }), fc.constant(0)),
      vwap: level,
      macd: fc.array(fc.oneof(fc.constant(null), fc.double({ min: -2, max: 2, noNaN: true }), fc.constant(0)), { minLength: 3, maxLength: 3 }),
      bandwidth: fc.oneof(fc.constant(null), fc.double({ min: 0, max: 0.003, noNaN: true })),
      warm: fc.boolean(),
    })
    .map(({ periods, values, close, rsi, atr, vwap, macd, bandwidth, warm }) =>
      features({
        periods: { ...PERIODS, ema: periods },
        ema: Object.fromEntries(periods.map((p, i) => [p, values[i]!])),
        close, rsi, atr, vwap, warm,
        macd: { macd: macd[0]!, signal: macd[1]!, histogram: macd[2]! },
        bb: { middle: 100, upper: 101, lower: 99, bandwidth, percentB: 0.5 },
      }),
    );
  const options = fc.option(
    fc.record({ threshold: fc.double({ min: 0, max: 1, noNaN: true }), stopAtr: fc.double({ min: 0, max: 3, noNaN: true }), squeezeBandwidth: fc.double({ min: 0, max: 0.003, noNaN: true }) }, { requiredKeys: [] }),
    { nil: undefined },
  );

  it('gives the same signal, field for field and in the same key order', () => {
    fc.assert(
      fc.property(arbitrary, options, fc.integer({ min: 0, max: 2 ** 42 }), (f, opts, at) => {
        const got = scan(f, at, opts);
        const want = referenceScan(f, at, opts);
        expect(got).toEqual(want);
        expect(Object.keys(got)).toEqual(Object.keys(want));
      }),
      { numRuns: 3_000 },
    );
  });
});
