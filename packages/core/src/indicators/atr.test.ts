import { describe, expect, test } from 'vitest';
import { Atr } from './atr';
import { atrRef } from './testing/batch-reference';
import { testIndicatorContract } from './testing/contract';
import { FIXTURES, aligned, closeTo, collect, firstMismatch, priceScale } from './testing/fixtures';

const nq = FIXTURES[1]!;
const bars = nq.bars.slice(0, 120);

testIndicatorContract('ATR(14)', {
  create: () => new Atr(14),
  inputs: bars,
  firstIndex: 14,
  variants: (b) => [
    { ...b, high: b.high + 5 },
    { ...b, low: b.low - 5, close: b.low - 5 },
  ],
  expected: atrRef(bars, 14),
  matches: (a, e) => closeTo(a, e, priceScale(nq) * 1e-4),
});

describe.each(FIXTURES)('ATR on $name', (f) => {
  test('matches TA-Lib ATR(14), nulls before index 14', () => {
    const got = collect(new Atr(14), f.bars, (a) => a.result);
    expect(firstMismatch(got, aligned(f.ref, 'atr14'), priceScale(f) * 1e-4)).toBe(-1);
  });
});
