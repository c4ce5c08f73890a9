import { describe, expect, it } from 'vitest';
import { DEFAULT_SYMBOL_SPECS, type Bar, type Reject } from '@marketpipe/core';
import { BarIngest, MAX_HOLD_POLLS, newCursor } from '../src/ingest';
import { CollectorMetrics } from '../src/metrics';
import type { SourceResult } from '../src/ports';

const spec = DEFAULT_SYMBOL_SPECS.find((s) => s.symbol === 'EURUSD')!;
const T0 = Date.UTC(2026, 2, 4, 12, 0);
const MIN = 60_000;
const bar = (i: number, close = 1.1 + i / 10_000): Bar => ({
  symbol: 'EURUSD', interval: '1m', ts: T0 + i * MIN, open: close, high: close, low: close, close, volume: 1, source: 'yahoo', final: true, filled: false,
});
const refused = (i: number): Reject => ({ reason: 'non_positive_price', symbol: 'EURUSD', ts: T0 + i * MIN, detail: 'close -1' });
/** minutes 1..5 where minute 3 is refused (as the chain reports it) unless `good` */
const answer = (good: boolean): SourceResult => ({
  provider: 'yahoo',
  bars: [1, 2, 3, 4, 5].filter((i) => good || i !== 3).map((i) => bar(i)),
  rejects: good ? [] : [refused(3)],
});

describe('BarIngest: a refused minute is asked for again before it is filled', () => {
  it('stops before the refused minute, and takes the real bar when a later poll brings it', () => {
    const ingest = new BarIngest({ metrics: new CollectorMetrics() });
    const cursor = newCursor(spec, bar(0));
    const now = T0 + 6 * MIN;
    const first = ingest.accept(cursor, answer(false), now);
    expect(first.finals.map((b) => (b.ts - T0) / MIN), 'held before minute 3').toEqual([1, 2]);
    ingest.advance(cursor, first);
    const second = ingest.accept(cursor, answer(true), now);
    ingest.advance(cursor, second);
    expect(second.finals.map((b) => [(b.ts - T0) / MIN, b.filled])).toEqual([[3, false], [4, false], [5, false]]);
    expect(cursor.held).toBeNull();
  });

  it('fills a minute that stays refused after MAX_HOLD_POLLS polls, and moves on', () => {
    const ingest = new BarIngest({ metrics: new CollectorMetrics() });
    const cursor = newCursor(spec, bar(0));
    const now = T0 + 6 * MIN;
    for (let poll = 1; poll <= MAX_HOLD_POLLS; poll++) {
      const a = ingest.accept(cursor, answer(false), now);
      expect(a.finals.every((b) => b.ts < T0 + 3 * MIN), `poll ${poll} still holds`).toBe(true);
      ingest.advance(cursor, a);
    }
    const last = ingest.accept(cursor, answer(false), now);
    ingest.advance(cursor, last);
    expect(last.finals.map((b) => [(b.ts - T0) / MIN, b.filled])).toEqual([[3, true], [4, false], [5, false]]);
    expect(cursor.lastFinalTs).toBe(T0 + 5 * MIN);
  });
});
