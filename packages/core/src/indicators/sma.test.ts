import { describe, expect, test } from 'vitest';
import { Sma } from './sma';
import { smaRef } from './testing/batch-reference';
import { testIndicatorContract } from './testing/contract';
import { FIXTURES, aligned, closeTo, collect, firstMismatch } from './testing/fixtures';

const volumes = FIXTURES[1]!.bars.slice(0, 120).map((b) => b.volume);

testIndicatorContract('SMA(20)', {
  create: () => new Sma(20),
  inputs: volumes,
  firstIndex: 19,
  variants: (x) => [x + 7, 0],
  expected: smaRef(volumes, 20),
  matches: (a, e) => closeTo(a, e),
});

describe.each(FIXTURES)('SMA on $name', (f) => {
  test('matches TA-Lib SMA(20) of volume, nulls before index 19', () => {
    const got = collect(new Sma(20), f.bars.map((b) => b.volume), (s) => s.result);
    expect(firstMismatch(got, aligned(f.ref, 'volumeSma20'))).toBe(-1);
  });
});

test('does not drift over a million values of mixed magnitude', () => {
  const sma = new Sma(20);
  const xs = Array.from({ length: 1_000_000 }, (_, i) => (i % 7 === 0 ? 1e9 : 1e-3 * (i % 13)));
  for (const x of xs) sma.add(x);
  const tail = xs.slice(-20);
  expect(closeTo(sma.result, smaRef(tail, 20)[19]!)).toBe(true);
});
