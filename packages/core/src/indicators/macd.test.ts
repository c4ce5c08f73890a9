import { describe, expect, test } from 'vitest';
import type { MacdValue } from '../types';
import { Macd } from './macd';
import { macdRef } from './testing/batch-reference';
import { testIndicatorContract } from './testing/contract';
import { FIXTURES, aligned, closeTo, collect, firstMismatch, priceScale } from './testing/fixtures';

const nq = FIXTURES[1]!;
const closes = nq.bars.slice(0, 120).map((b) => b.close);
const ref = macdRef(closes, 12, 26, 9);
const floor = priceScale(nq) * 1e-4;

testIndicatorContract('MACD(12,26,9)', {
  create: () => new Macd(12, 26, 9),
  inputs: closes,
  firstIndex: 33,
  variants: (x) => [x + 2, x - 6],
  expected: closes.map((_, i): MacdValue | null =>
    ref.macd[i] == null ? null : { macd: ref.macd[i]!, signal: ref.signal[i]!, histogram: ref.histogram[i]! },
  ),
  matches: (a, e) =>
    a === null || e === null
      ? a === e
      : closeTo(a.macd, e.macd, floor) && closeTo(a.signal, e.signal, floor) && closeTo(a.histogram, e.histogram, floor),
});

describe.each(FIXTURES)('MACD on $name', (f) => {
  const xs = f.bars.map((b) => b.close);
  const lines = [
    ['macd', (m: Macd) => m.result?.macd ?? null],
    ['macdSignal', (m: Macd) => m.result?.signal ?? null],
    ['macdHist', (m: Macd) => m.result?.histogram ?? null],
  ] as const;
  test.each(lines)('matches TA-Lib %s (first value at index 33)', (key, read) => {
    const got = collect(new Macd(12, 26, 9), xs, read);
    expect(firstMismatch(got, aligned(f.ref, key), priceScale(f) * 1e-4)).toBe(-1);
  });
});

test('rejects fast >= slow', () => {
  expect(() => new Macd(26, 12, 9)).toThrow(expect.objectContaining({ code: 'invalid_period' }));
});
