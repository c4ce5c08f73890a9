import { describe, expect, test } from 'vitest';
import { createSessionAnchor } from '../features/session-anchor';
import type { Bar } from '../types';
import { vwapRef } from './testing/batch-reference';
import { testIndicatorContract } from './testing/contract';
import { FIXTURES, closeTo, collect, firstMismatch } from './testing/fixtures';
import { Vwap } from './vwap';

const nq = FIXTURES[1]!;
// Bars around the 17:00–18:00 New York halt, so the slice crosses a session start.
const cross = nq.bars.findIndex((b, i) => i > 0 && b.ts - nq.bars[i - 1]!.ts > 3_600_000);
const bars = nq.bars.slice(cross - 60, cross + 60);

testIndicatorContract('VWAP', {
  create: () => new Vwap(createSessionAnchor(nq.session)),
  inputs: bars,
  firstIndex: 0,
  variants: (b) => [
    { ...b, close: b.close + 3, volume: b.volume + 10 },
    { ...b, volume: 0 },
  ],
  expected: vwapRef(bars, nq.session),
  matches: (a, e) => closeTo(a, e),
});

describe.each(FIXTURES)('VWAP on $name', (f) => {
  test('follows Σ(typical·volume)/Σvolume, restarting at each session start', () => {
    const got = collect(new Vwap(createSessionAnchor(f.session)), f.bars, (v) => v.result);
    expect(firstMismatch(got, vwapRef(f.bars, f.session))).toBe(-1);
  });
});

test('is null while the session has no volume, and stable from the first bar', () => {
  const v = new Vwap(() => 0);
  const bar = { ts: 0, high: 2, low: 1, close: 1.5, volume: 0 } satisfies Partial<Bar>;
  v.add(bar);
  expect(v.result).toBeNull();
  expect(v.isStable).toBe(true);
  v.add({ ...bar, volume: 10 });
  expect(v.result).toBe(1.5);
});

test('restarts when the session changes', () => {
  const v = new Vwap((ts) => (ts < 100 ? 0 : 100));
  v.add({ ts: 0, high: 10, low: 10, close: 10, volume: 5 });
  v.add({ ts: 100, high: 20, low: 20, close: 20, volume: 1 });
  expect(v.result).toBe(20);
});
