import { describe, expect, test } from 'vitest';
import type { BollingerValue } from '../types';
import { Bollinger } from './bollinger';
import { bollingerRef } from './testing/batch-reference';
import { testIndicatorContract } from './testing/contract';
import { FIXTURES, aligned, closeTo, collect, firstMismatch } from './testing/fixtures';

/** EURUSD 1m: tiny σ on a price near 1 (the cancellation case), and flat stretches. */
const eurusd = FIXTURES[0]!;
const closes = eurusd.bars.slice(0, 300).map((b) => b.close);

function asValues(xs: number[]): (BollingerValue | null)[] {
  const r = bollingerRef(xs, 20, 2);
  return xs.map((_, i) => {
    const middle = r.middle[i] ?? null;
    if (middle === null) return null;
    return { middle, upper: r.upper[i]!, lower: r.lower[i]!, bandwidth: r.bandwidth[i]!, percentB: r.percentB[i]! };
  });
}

/** Bands to 1e-9 relative; bandwidth and %B, ratios of small differences, to 1e-6. */
function sameBands(a: BollingerValue | null, e: BollingerValue | null): boolean {
  if (a === null || e === null) return a === e;
  const loose = (x: number | null, y: number | null) => (x === null || y === null ? x === y : Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(y)));
  return (
    closeTo(a.middle, e.middle) && closeTo(a.upper, e.upper) && closeTo(a.lower, e.lower) &&
    loose(a.bandwidth, e.bandwidth) && loose(a.percentB, e.percentB)
  );
}

testIndicatorContract('BB(20,2)', {
  create: () => new Bollinger(20, 2),
  inputs: closes,
  firstIndex: 19,
  variants: (x) => [x + 0.0005, x - 0.0002],
  expected: asValues(closes),
  matches: sameBands,
});

describe.each(FIXTURES)('Bollinger on $name', (f) => {
  const xs = f.bars.map((b) => b.close);
  test.each([
    ['bbUpper', (b: Bollinger) => b.result?.upper ?? null],
    ['bbMiddle', (b: Bollinger) => b.result?.middle ?? null],
    ['bbLower', (b: Bollinger) => b.result?.lower ?? null],
  ] as const)('matches TA-Lib BBANDS(20,2,SMA) %s, nulls before index 19', (key, read) => {
    const got = collect(new Bollinger(20, 2), xs, read);
    expect(firstMismatch(got, aligned(f.ref, key))).toBe(-1);
  });

  test('bandwidth and %B follow their formulas over the whole series', () => {
    const got = collect(new Bollinger(20, 2), xs, (b) => b.result);
    const want = asValues(xs);
    const bad = got.findIndex((g, i) => !sameBands(g, want[i] ?? null));
    expect(bad, `first mismatch at ${bad}`).toBe(-1);
  });
});

test('a flat window has upper = lower and a null %B, not NaN', () => {
  const bb = new Bollinger(20, 2);
  for (let i = 0; i < 25; i++) bb.add(i < 3 ? 1.2 + i * 1e-4 : 1.0842);
  expect(bb.result).toEqual({ middle: 1.0842, upper: 1.0842, lower: 1.0842, bandwidth: 0, percentB: null });
});

test('rejects a negative multiplier', () => {
  expect(() => new Bollinger(20, -1)).toThrow(expect.objectContaining({ code: 'invalid_period' }));
});

describe('Bollinger after a jump', () => {
  // Found by the property test: at 1e12 a 4e9 jump left the running sums centred far from the
  // window, so a real σ of ~500 (5e-10 relative) was taken for rounding noise and the bands
  // collapsed. The sums are now re-centred when cancellation would dominate.
  const jumped = [
    1e12, ...Array(7).fill(999999999999.9999), ...Array(5).fill(1003831988010.0994),
    ...Array(11).fill(1007846838712.0646), ...Array(10).fill(1007846837700.0404),
  ] as number[];

  test('keeps a spread of 5e-10 relative that follows a large jump', () => {
    const bb = new Bollinger(20, 2);
    const want = asValues(jumped);
    jumped.forEach((x, i) => {
      bb.add(x);
      expect(sameBands(bb.result, want[i] ?? null), `bar ${i}: ${JSON.stringify(bb.result)} vs ${JSON.stringify(want[i])}`).toBe(true);
    });
    expect(bb.upper - bb.lower).toBeGreaterThan(1_000);
  });
});
