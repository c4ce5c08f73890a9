import { describe, expect, test } from 'vitest';
import { Ema } from './ema';
import { IndicatorError } from './errors';
import { emaRef } from './testing/batch-reference';
import { testIndicatorContract } from './testing/contract';
import { FIXTURES, aligned, closeTo, collect, firstMismatch } from './testing/fixtures';

const closes = FIXTURES[1]!.bars.slice(0, 240).map((b) => b.close);

testIndicatorContract('EMA(21)', {
  create: () => new Ema(21),
  inputs: closes,
  firstIndex: 20,
  variants: (x) => [x + 1, x - 2.5],
  expected: emaRef(closes, 21),
  matches: (a, e) => closeTo(a, e),
});

describe.each(FIXTURES)('EMA on $name', (f) => {
  const xs = f.bars.map((b) => b.close);
  test.each([9, 21, 50, 200] as const)('matches TA-Lib EMA(%i), nulls before its first index', (p) => {
    const got = collect(new Ema(p), xs, (e) => e.result);
    expect(firstMismatch(got, aligned(f.ref, `ema${p}`))).toBe(-1);
  });
});

test('rejects a period below 1', () => {
  expect(() => new Ema(0)).toThrow(IndicatorError);
});

test('refuses a snapshot taken with another period', () => {
  expect(() => new Ema(9).restore(new Ema(21).snapshot())).toThrow(expect.objectContaining({ code: 'invalid_snapshot' }));
});
