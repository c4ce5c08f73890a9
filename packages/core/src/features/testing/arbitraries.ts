import fc from 'fast-check';
import type { Bar } from '../../types';

export interface SeriesShape {
  /** price level: 1e-8 … 1e12 */
  base: number;
  minLength: number;
  maxLength: number;
  /** share of bars with zero volume, 0..1 */
  zeroVolume?: number;
}

const step = fc.record({
  move: fc.oneof(
    { weight: 2, arbitrary: fc.constant(0) }, // flat stretches: equal closes, zero σ windows
    { weight: 5, arbitrary: fc.double({ min: -0.004, max: 0.004, noNaN: true }) },
  ),
  wickUp: fc.double({ min: 0, max: 0.002, noNaN: true }),
  wickDown: fc.double({ min: 0, max: 0.002, noNaN: true }),
  flatBar: fc.boolean(),
  volume: fc.integer({ min: 0, max: 5_000 }),
  noVolume: fc.double({ min: 0, max: 1, noNaN: true }),
  // mostly the next minute; sometimes a gap of hours or days, crossing session starts
  gapMinutes: fc.oneof({ weight: 20, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 4_000 }) }),
});

/** Random-walk OHLCV bars of one symbol: valid, time-ordered, final. */
export function barSeries(shape: SeriesShape): fc.Arbitrary<Bar[]> {
  return fc
    .tuple(
      fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2024, 11, 1) }),
      // size 'max': fast-check's default size keeps arrays to a few elements, never warm
      fc.array(step, { minLength: shape.minLength, maxLength: shape.maxLength, size: 'max' }),
    )
    .map(([start, steps]) => {
      let ts = start - (start % 60_000);
      let close = shape.base;
      return steps.map((s): Bar => {
        const open = close;
        close = s.move === 0 ? close : close * (1 + s.move);
        const high = s.flatBar ? Math.max(open, close) : Math.max(open, close) * (1 + s.wickUp);
        const low = s.flatBar ? Math.min(open, close) : Math.min(open, close) * (1 - s.wickDown);
        const volume = s.noVolume < (shape.zeroVolume ?? 0.2) ? 0 : s.volume * Math.max(1, Math.round(shape.base / 1e4));
        ts += s.gapMinutes * 60_000;
        return { symbol: 'TEST', interval: '1m', ts, open, high, low, close, volume, source: 'sim', final: true, filled: false };
      });
    });
}
