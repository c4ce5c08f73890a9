import { describe, expect, it } from 'vitest';
import { SpikeGuard } from './spike';
import type { Bar } from './types';

const T0 = Date.UTC(2024, 0, 2, 15, 0);
const MIN = 60_000;

function bar(i: number, close: number, source = 'yahoo', symbol = 'EURUSD'): Bar {
  return { symbol, interval: '1m', ts: T0 + i * MIN, open: close, high: close + 0.0002, low: close - 0.0002, close, volume: 1, source, final: true, filled: false };
}

function warm(guard: SpikeGuard, n = 20): void {
  for (let i = 0; i < n; i += 1) guard.offer(bar(i, 1.1 + (i % 2) * 0.0001));
}

describe('SpikeGuard', () => {
  it('holds a close that jumps more than 10 ATR as spike_suspect and drops it when the next bar is back', () => {
    const guard = new SpikeGuard();
    warm(guard);
    expect(guard.atr('EURUSD')).toBeGreaterThan(0);
    const spike = guard.offer(bar(20, 1.2));
    expect(spike.accepted).toEqual([]);
    expect(spike.rejects).toEqual([expect.objectContaining({ reason: 'spike_suspect', ts: T0 + 20 * MIN })]);
    const back = guard.offer(bar(21, 1.1001));
    expect(back.accepted.map((b) => b.ts)).toEqual([T0 + 21 * MIN]);
  });

  it('judges a fail-over bar from another provider by the relative bound, not by the first feed’s ATR', () => {
    const guard = new SpikeGuard();
    warm(guard);
    // 1 % away: far beyond 10 ATR of the warm feed, well within the 2 % relative bound.
    expect(guard.offer(bar(20, 1.111, 'yahoo')).rejects).toHaveLength(1);
    const other = new SpikeGuard();
    warm(other);
    expect(other.offer(bar(20, 1.111, 'twelvedata')).accepted).toHaveLength(1);
    expect(other.offer(bar(21, 1.2, 'polygon')).rejects, 'a 8 % jump from another provider is still held').toHaveLength(1);
  });

  it('releases the held bar when the next fetch confirms the new level', () => {
    const guard = new SpikeGuard();
    warm(guard);
    guard.offer(bar(20, 1.2));
    const confirmed = guard.offer(bar(21, 1.2003));
    expect(confirmed.accepted.map((b) => b.close)).toEqual([1.2, 1.2003]);
  });

  it('accepts a second provider’s bar for the same minute as confirmation', () => {
    const guard = new SpikeGuard();
    warm(guard);
    guard.offer(bar(20, 1.2, 'yahoo'));
    expect(guard.offer(bar(20, 1.2001, 'polygon')).accepted).toEqual([bar(20, 1.2001, 'polygon')]);
  });

  it('uses the relative threshold before ATR is warm', () => {
    const guard = new SpikeGuard({ relativeThreshold: 0.02 });
    guard.offer(bar(0, 100));
    expect(guard.atr('EURUSD')).toBeNull();
    expect(guard.offer(bar(1, 101.5)).accepted).toHaveLength(1);
    expect(guard.offer(bar(2, 110)).rejects[0]?.reason).toBe('spike_suspect');
  });

  it('judges forming updates against the previous minute and keeps symbols apart', () => {
    const guard = new SpikeGuard();
    warm(guard);
    expect(guard.offer(bar(20, 1.1001)).accepted).toHaveLength(1);
    expect(guard.offer(bar(20, 1.1002)).accepted, 'same minute, small move').toHaveLength(1);
    expect(guard.offer(bar(0, 5000, 'yahoo', 'XAUUSD')).accepted, 'first bar of another symbol').toHaveLength(1);
  });
});
