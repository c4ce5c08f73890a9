import { describe, expect, it } from 'vitest';
import type { Bar, Signal } from './types';
import { CodecError, decodeBar, decodeSignal, decodeValue, encodeBar, encodeSignal, encodeValue } from './codec';

const bar: Bar = {
  symbol: 'XAUUSD',
  interval: '1m',
  ts: 1_764_028_800_000,
  open: 2401.35,
  high: 2402.1,
  low: 2400.05,
  close: 2401.9,
  volume: 1234.5,
  source: 'yahoo',
  final: true,
  filled: false,
};

describe('bar codec', () => {
  it('round-trips every field exactly', () => {
    expect(decodeBar(encodeBar(bar))).toEqual(bar);
  });

  it('is smaller than JSON', () => {
    expect(encodeBar(bar).byteLength).toBeLessThan(JSON.stringify(bar).length * 0.75);
  });

  it('returns independent buffers for consecutive encodes (the encoder is reused)', () => {
    const a = encodeBar(bar);
    const b = encodeBar({ ...bar, close: 1 });
    expect(decodeBar(a).close).toBe(2401.9);
    expect(decodeBar(b).close).toBe(1);
  });

  it('refuses bytes that are not a bar', () => {
    expect(() => decodeBar(encodeValue({ a: 1 }))).toThrow(CodecError);
    expect(() => decodeValue(new Uint8Array([0xc1]))).toThrow(CodecError);
  });
});

describe('value codec', () => {
  it('round-trips a signal with nulls', () => {
    const s: Signal = { symbol: 'EURUSD', side: 'flat', score: 0, reasons: [], price: 1.08, stop: null, target: null, ts: 1, computedAt: 2 };
    expect(decodeSignal(encodeSignal(s))).toEqual(s);
  });
});
