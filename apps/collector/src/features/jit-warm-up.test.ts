import { describe, expect, it } from 'vitest';
import { warmUpOneMinuteCode, warmUpTimeframeCode } from './jit-warm-up';

describe('warmUpTimeframeCode', () => {
  it('completes buckets of every interval up to 4h on its throwaway symbols, the per-minute code the thread runs', () => {
    const started = performance.now();
    const completed = warmUpTimeframeCode({ barIntervals: ['5m', '15m', '30m', '1h', '4h', '1d'], featureIntervals: ['5m', '1h'] });
    const ms = performance.now() - started;
    console.log(`[jit-warm-up] 40 symbols × 600 minutes in ${ms.toFixed(0)} ms`);
    // 600 minutes from a Monday 00:00, the last one final: 120 five-minute buckets, 10 hours, 2 four-hour buckets…
    expect(completed.get('5m')).toBe(40 * 120);
    expect(completed.get('1h')).toBe(40 * 10);
    expect(completed.get('4h')).toBe(40 * 2);
    // …and no day ends in ten hours
    expect(completed.get('1d')).toBe(0);
  });

  it('commits a final 1m bar per throwaway symbol and minute, the code of a minute boundary on the main thread', () => {
    const started = performance.now();
    const { committed, warm } = warmUpOneMinuteCode(40, 600);
    console.log(`[jit-warm-up] 1m: 40 symbols × 600 minutes in ${(performance.now() - started).toFixed(0)} ms`);
    expect(committed).toBe(40 * 600);
    expect(warm, 'every engine ran its indicators past their periods: the add path, not only replace').toBe(40);
  });
});
