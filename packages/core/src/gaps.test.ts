import { describe, expect, it } from 'vitest';
import { detectGaps, fillGaps } from './gaps';
import type { Bar } from './types';

const FX = { timezone: 'America/New_York', open: '17:00', close: '17:00' };
const NYSE = { timezone: 'America/New_York', open: '09:30', close: '16:00' };
const MIN = 60_000;

function bar(ts: number, close: number, source = 'yahoo'): Bar {
  return { symbol: 'EURUSD', interval: '1m', ts, open: close, high: close + 0.001, low: close - 0.001, close, volume: 5, source, final: true, filled: false };
}

// Friday 2024-01-05 16:55 New York (EST) = 21:55Z.
const FRI_1655 = Date.UTC(2024, 0, 5, 21, 55);

describe('fillGaps', () => {
  it('fills a missing in-session minute with a flat bar at the previous close', () => {
    const { bars, gaps } = fillGaps([bar(FRI_1655, 1.1), bar(FRI_1655 + 3 * MIN, 1.2, 'polygon')], FX);
    expect(bars.map((b) => b.ts)).toEqual([0, 1, 2, 3].map((i) => FRI_1655 + i * MIN));
    expect(bars[1]).toEqual({ ...bar(FRI_1655 + MIN, 1.1), high: 1.1, low: 1.1, volume: 0, filled: true, final: true });
    expect(bars[2]!.source, 'source of the previous bar').toBe('yahoo');
    expect(gaps).toEqual([{ from: FRI_1655 + MIN, to: FRI_1655 + 2 * MIN, missing: 2, filled: true }]);
  });

  it('never fills across the weekend close, only the in-session minutes around it', () => {
    const sunOpen = Date.UTC(2024, 0, 7, 22, 0); // Sunday 17:00 New York
    const { bars, gaps } = fillGaps([bar(FRI_1655 + 3 * MIN, 1.1), bar(sunOpen + MIN, 1.2)], FX);
    expect(bars.filter((b) => b.filled).map((b) => b.ts)).toEqual([FRI_1655 + 4 * MIN, sunOpen]);
    expect(gaps.map((g) => g.missing)).toEqual([2]);
  });

  it('does not fill outside exchange hours (overnight) and leaves over-long gaps for backfill', () => {
    const close = Date.UTC(2024, 0, 8, 20, 59); // Monday 15:59 New York
    const nextOpen = Date.UTC(2024, 0, 9, 14, 30); // Tuesday 09:30
    expect(fillGaps([bar(close, 10), bar(nextOpen, 11)], NYSE).bars).toHaveLength(2);
    const { bars, gaps } = fillGaps([bar(nextOpen, 11), bar(nextOpen + 90 * MIN, 12)], NYSE, { maxFillBars: 60 });
    expect(bars).toHaveLength(2);
    expect(gaps).toEqual([{ from: nextOpen + MIN, to: nextOpen + 89 * MIN, missing: 89, filled: false }]);
  });

  it('fills up to `until` after the last bar, and detectGaps reports without filling', () => {
    const { bars } = fillGaps([bar(FRI_1655, 1.1)], FX, { until: FRI_1655 + 3 * MIN });
    expect(bars.map((b) => b.filled)).toEqual([false, true, true]);
    expect(detectGaps([bar(FRI_1655, 1), bar(FRI_1655 + 2 * MIN, 1)], FX)).toEqual([
      { from: FRI_1655 + MIN, to: FRI_1655 + MIN, missing: 1, filled: false },
    ]);
  });
});
