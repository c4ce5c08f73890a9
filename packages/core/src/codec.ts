import { Decoder, Encoder } from '@msgpack/msgpack';
import { MsgpackWriter, type SlabAllocator } from './msgpack-writer';
import type { Bar, Features, Interval, Signal } from './types';

/**
 * msgpack codec shared by the collector (encode) and the API (decode). One Encoder and
 * one Decoder are reused: the one-shot `encode()` allocates per call and is slower than
 * JSON for small objects. Bars are encoded as positional tuples (they are the most numerous
 * value: 5,000 per symbol in the sorted sets). Encoding goes through MsgpackWriter (the same
 * bytes, written into shared slabs) and falls back to the Encoder for what it does not handle.
 */
const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder();
let writer = new MsgpackWriter();

/**
 * Where encoded values live from now on: a Node process passes Buffer.allocUnsafeSlow so every
 * encoded value is already a Buffer (a Redis client sends it without wrapping).
 */
export function setCodecSlabAllocator(allocate: SlabAllocator): void {
  writer = new MsgpackWriter(allocate);
}

const encode = (value: unknown): Uint8Array => writer.write(value) ?? encoder.encode(value);

type BarTuple = [string, Interval, number, number, number, number, number, number, string, boolean, boolean];

export class CodecError extends Error {
  readonly code = 'codec_error';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CodecError';
  }
}

export function encodeBar(bar: Bar): Uint8Array {
  const written = writer.bar(bar);
  if (written) return written;
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
  return encode(tuple);
}

export function decodeBar(bytes: Uint8Array): Bar {
  const t = decoder.decode(bytes);
  if (!Array.isArray(t) || t.length !== 11) throw new CodecError('not an encoded bar');
  const [symbol, interval, ts, open, high, low, close, volume, source, final, filled] = t as BarTuple;
  return { symbol, interval, ts, open, high, low, close, volume, source, final, filled };
}

export function encodeValue(value: Features | Signal | object): Uint8Array {
  return encode(value);
}

export function decodeValue<T>(bytes: Uint8Array): T {
  try {
    return decoder.decode(bytes) as T;
  } catch (cause) {
    throw new CodecError('cannot decode msgpack value', { cause });
  }
}

export const encodeFeatures = (f: Features): Uint8Array => writer.features(f) ?? encoder.encode(f);
export const decodeFeatures: (b: Uint8Array) => Features = decodeValue<Features>;
export const encodeSignal = (s: Signal): Uint8Array => writer.signal(s) ?? encoder.encode(s);
export const decodeSignal: (b: Uint8Array) => Signal = decodeValue<Signal>;
