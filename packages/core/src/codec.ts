import { Decoder, Encoder } from '@msgpack/msgpack';
import type { Bar, Features, Interval, Signal } from './types';

/**
 * msgpack codec shared by the collector (encode) and the API (decode). One Encoder and
 * one Decoder are reused: the one-shot `encode()` allocates per call and is slower than
 * JSON for small objects. Bars are encoded as positional tuples (they are the most numerous
 * value: 5,000 per symbol in the sorted sets).
 */
const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder();

type BarTuple = [string, Interval, number, number, number, number, number, number, string, boolean, boolean];

export class CodecError extends Error {
  readonly code = 'codec_error';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CodecError';
  }
}

export function encodeBar(bar: Bar): Uint8Array {
  const tuple: BarTuple = [
    bar.symbol,
    bar.interval,
    bar.ts,
    bar.open,
    bar.high,
    bar.low,
    bar.close,
    bar.volume,
    bar.source,
    bar.final,
    bar.filled,
  ];
  return encoder.encode(tuple);
}

export function decodeBar(bytes: Uint8Array): Bar {
  const t = decoder.decode(bytes);
  if (!Array.isArray(t) || t.length !== 11) throw new CodecError('not an encoded bar');
  const [symbol, interval, ts, open, high, low, close, volume, source, final, filled] = t as BarTuple;
  return { symbol, interval, ts, open, high, low, close, volume, source, final, filled };
}

export function encodeValue(value: Features | Signal | object): Uint8Array {
  return encoder.encode(value);
}

export function decodeValue<T>(bytes: Uint8Array): T {
  try {
    return decoder.decode(bytes) as T;
  } catch (cause) {
    throw new CodecError('cannot decode msgpack value', { cause });
  }
}

export const encodeFeatures: (f: Features) => Uint8Array = encodeValue;
export const decodeFeatures: (b: Uint8Array) => Features = decodeValue<Features>;
export const encodeSignal: (s: Signal) => Uint8Array = encodeValue;
export const decodeSignal: (b: Uint8Array) => Signal = decodeValue<Signal>;
