import { describe, expect, test } from 'vitest';
import { Momentum } from './momentum';
import { momentumRef } from './testing/batch-reference';
import { testIndicatorContract } from './testing/contract';
import { FIXTURES, aligned, closeTo, collect, firstMismatch, priceScale } from './testing/fixtures';

const nq = FIXTURES[1]!;
const closes = nq.bars.slice(0, 80).map((b) => b.close);

testIndicatorContract('MOM(10)', {
  create: () => new Momentum(10),
  inputs: closes,
  firstIndex: 10,
  variants: (x) => [x + 1, x - 4],
  expected: momentumRef(closes, 10),
  matches: (a, e) => closeTo(a, e, priceScale(nq) * 1e-4),
});

describe.each(FIXTURES)('MOM on $name', (f) => {
  test('matches TA-Lib MOM(10), nulls before index 10', () => {
    const got = collect(new Momentum(10), f.bars.map((b) => b.close), (m) => m.result);
    expect(firstMismatch(got, aligned(f.ref, 'mom10'), priceScale(f) * 1e-4)).toBe(-1);
  });
});
