import { describe, expect, it } from 'vitest';
import type { Bar } from './types';
import { validateBar, validateBars } from './validate';

const T0 = Date.UTC(2026, 10, 25, 14, 30);
const NOW = T0 + 30_000;
const bar = (over: Partial<Bar> = {}): Bar => ({
  symbol: 'EURUSD',
  interval: '1m',
  ts: T0,
  open: 1.08,
  high: 1.0812,
  low: 1.0795,
  close: 1.0805,
  volume: 12,
  source: 'sim',
  final: false,
  filled: false,
  ...over,
});

describe('validateBar', () => {
  it('accepts a sound bar', () => {
    expect(validateBar(bar(), { now: NOW })).toBeNull();
  });

  it.each([
    ['non_finite', { close: Number.NaN }],
    ['non_finite', { high: Number.POSITIVE_INFINITY }],
    ['non_finite', { volume: Number.NaN }],
    ['non_positive_price', { open: 0, low: 0 }],
    ['non_positive_price', { low: -1 }],
    ['high_below_body', { high: 1.0801 }],
    ['low_above_body', { low: 1.0803 }],
    ['negative_volume', { volume: -1 }],
    ['misaligned_ts', { ts: T0 + 1_000 }],
    ['future_ts', { ts: T0 + 120_000 }],
  ] as const)('rejects %s (%o)', (reason, over) => {
    const r = validateBar(bar(over), { now: NOW });
    expect(r?.reason).toBe(reason);
    expect(r?.symbol).toBe('EURUSD');
    expect(r?.detail.length).toBeGreaterThan(0);
  });

  it('allows the current minute, and the next one only within the clock-skew tolerance', () => {
    expect(validateBar(bar({ ts: T0 }), { now: T0 })).toBeNull();
    expect(validateBar(bar({ ts: T0 + 60_000 }), { now: T0 + 58_500 })).toBeNull();
    expect(validateBar(bar({ ts: T0 + 60_000 }), { now: T0 + 57_999 })?.reason).toBe('future_ts');
    expect(validateBar(bar({ ts: T0 + 60_000 }), { now: T0 + 59_999, futureToleranceMs: 0 })?.reason).toBe('future_ts');
  });
});

describe('validateBars', () => {
  it('rejects duplicates and out-of-order bars and keeps the first occurrence', () => {
    const a = bar({ ts: T0 - 120_000, close: 1.0801 });
    const b = bar({ ts: T0 - 60_000 });
    const dup = bar({ ts: T0 - 60_000, close: 1.0809 });
    const back = bar({ ts: T0 - 180_000 });
    const { accepted, rejects } = validateBars([a, b, dup, back], { now: NOW });
    expect(accepted).toEqual([a, b]);
    expect(rejects.map((r) => r.reason)).toEqual(['duplicate_ts', 'out_of_order']);
  });

  it('counts every bad bar and passes every good one', () => {
    const bars = [bar({ ts: T0 - 60_000 }), bar({ ts: T0, close: -1 })];
    const { accepted, rejects } = validateBars(bars, { now: NOW });
    expect(accepted).toHaveLength(1);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]?.reason).toBe('non_positive_price');
  });
});
