import { describe, expect, it } from 'vitest';
import type { Bar } from '@marketpipe/core';
import { BarBuffer } from './bar-buffer';

const bar = (symbol: string, minute: number, close: number, interval: Bar['interval'] = '1m'): Bar => ({
  symbol,
  interval,
  ts: minute * 60_000,
  open: close,
  high: close,
  low: close,
  close,
  volume: 1,
  final: true,
  filled: false,
  source: 'test',
});

describe('BarBuffer', () => {
  it('keeps one bar per (symbol, interval, ts), the last added', () => {
    const buffer = new BarBuffer();
    for (const b of [bar('A', 1, 1), bar('B', 1, 2), bar('A', 2, 3), bar('A', 1, 4), bar('A', 1, 5, '5m')]) buffer.set(b);
    expect(buffer.size).toBe(4);
    expect([...buffer.values()]).toEqual(expect.arrayContaining([bar('A', 1, 4), bar('A', 2, 3), bar('B', 1, 2), bar('A', 1, 5, '5m')]));
    expect([...buffer.values()]).toHaveLength(4);
    expect([...buffer.of('A', '1m')]).toEqual([bar('A', 1, 4), bar('A', 2, 3)]);
    expect([...buffer.of('C', '1m')]).toEqual([]);
  });
});
