import { describe, expect, it } from 'vitest';
import type { Features } from './types';
import { scan } from './scanner';

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
