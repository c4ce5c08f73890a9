import { describe, expect, test } from 'vitest';
import { Rsi } from './rsi';
import { rsiRef } from './testing/batch-reference';
import { testIndicatorContract } from './testing/contract';
import { FIXTURES, aligned, closeTo, collect, firstMismatch } from './testing/fixtures';

const closes = FIXTURES[1]!.bars.slice(0, 120).map((b) => b.close);

testIndicatorContract('RSI(14)', {
  create: () => new Rsi(14),
  inputs: closes,
  firstIndex: 14,
  variants: (x) => [x + 3, x - 3],
  expected: rsiRef(closes, 14),
  matches: (a, e) => closeTo(a, e, 1),
});

describe.each(FIXTURES)('RSI on $name', (f) => {
  test('matches TA-Lib RSI(14), nulls before index 14', () => {
    const got = collect(new Rsi(14), f.bars.map((b) => b.close), (r) => r.result);
    expect(firstMismatch(got, aligned(f.ref, 'rsi14'), 1)).toBe(-1);
  });
});

test('is 0, not NaN, on a flat series', () => {
  const rsi = new Rsi(14);
  for (let i = 0; i < 30; i++) rsi.add(5);
  expect(rsi.result).toBe(0);
});
