/**
 * The byte-level pieces of MsgpackWriter: numbers, strings and map headers written at a
 * position of a slab (each returns the position after it), and the pre-encoded chunks of the
 * per-second payloads (keys, map headers, constant runs, the scanner's words).
 */

import { INTERVAL_MS, type Features, type Signal } from './types';

/** the most bytes of a number; how far past its end a chunk's last 8-byte store may reach */
export const NUM = 9;
export const SLACK = 7;

/** Thrown inside a write when the value is not plain data; never escapes MsgpackWriter. */
export const NOT_PLAIN = Symbol('not plain');
/**
 * Pre-encoded bytes (a key, a string, a run of constant fields), kept also as little-endian
 * float64 words so that one DataView store copies 8 of them: byte by byte, copying was half the
 * time of a features payload. A word that reads as a NaN might not come back bit for bit (V8 may
 * canonicalise NaNs), so such a chunk is copied byte by byte; ASCII text never makes one.
 */
export class Chunk {
  readonly n: number;
  readonly words: Float64Array | null;

  constructor(readonly bytes: Uint8Array) {
    this.n = bytes.length;
    const padded = new Uint8Array(Math.ceil(bytes.length / 8) * 8);
    padded.set(bytes);
    const view = new DataView(padded.buffer);
    const words = Float64Array.from({ length: padded.length / 8 }, (_, i) => view.getFloat64(i * 8, true));
    this.words = words.some(Number.isNaN) ? null : words;
  }
}

/**
 * Copies a chunk to `s` at `p` and returns the position after it. The last store may write up
 * to SLACK padding bytes past it: room the next field overwrites, or that is never handed out.
 */
export function put(s: Uint8Array, v: DataView, p: number, c: Chunk): number {
  const w = c.words;
  if (w !== null) for (let i = 0; i < w.length; i++) v.setFloat64(p + 8 * i, w[i]!, true);
  else for (let i = 0, b = c.bytes; i < b.length; i++) s[p + i] = b[i]!;
  return p + c.n;
}

export function nullable(s: Uint8Array, v: DataView, p: number, n: number | null): number {
  if (n !== null && n !== undefined) return num(s, v, p, n);
  s[p] = 0xc0;
  return p + 1;
}

/** The library's encoding of a number: the smallest integer form for safe integers, else a float 64. */
export function num(s: Uint8Array, v: DataView, p: number, n: number): number {
  if (!Number.isSafeInteger(n)) {
    s[p] = 0xcb;
    v.setFloat64(p + 1, n);
    return p + 9;
  }
  if (n >= 0 ? n < 0x80 : n >= -0x20) {
    s[p] = n & 0xff; // a positive or negative fixint (-0 as 0)
    return p + 1;
  }
  if (n >= 0 && n < 0x100000000) return head(s, v, p, n < 0x100 ? 0xcc : n < 0x10000 ? 0xcd : 0xce, n < 0x100 ? 1 : n < 0x10000 ? 2 : 4, n);
  if (n < 0 && n >= -0x80000000) {
    const size = n >= -0x80 ? 1 : n >= -0x8000 ? 2 : 4;
    s[p] = size === 1 ? 0xd0 : size === 2 ? 0xd1 : 0xd2;
    if (size === 1) v.setInt8(p + 1, n);
    else if (size === 2) v.setInt16(p + 1, n);
    else v.setInt32(p + 1, n);
    return p + 1 + size;
  }
  s[p] = n >= 0 ? 0xcf : 0xd3;
  if (n >= 0) {
    v.setUint32(p + 1, Math.floor(n / 0x100000000));
    v.setUint32(p + 5, n >>> 0);
  } else v.setBigInt64(p + 1, BigInt(n));
  return p + 9;
}

/** A type byte and an unsigned big-endian length or value of 1, 2 or 4 bytes. */
export function head(s: Uint8Array, v: DataView, p: number, type: number, size: 1 | 2 | 4, n: number): number {
  s[p] = type;
  if (size === 1) s[p + 1] = n;
  else if (size === 2) v.setUint16(p + 1, n);
  else v.setUint32(p + 1, n);
  return p + 1 + size;
}

/** The most bytes `text` writes; throws for what is not a string (the field writers' cue to step aside). */
export function textMost(str: string): number {
  if (typeof str !== 'string') throw NOT_PLAIN;
  return 5 + str.length;
}

/**
 * Header and bytes of an ASCII string; anything else goes to the library (its UTF-8 rules).
 * Symbols are written this way, character by character: each comes once a cycle among
 * thousands, and a cache lookup (memory misses) cost more than copying a few characters.
 */
export function text(s: Uint8Array, v: DataView, p: number, str: string): number {
  const n = str.length;
  if (n < 32) s[p++] = 0xa0 + n;
  else p = n < 0x100 ? head(s, v, p, 0xd9, 1, n) : n < 0x10000 ? head(s, v, p, 0xda, 2, n) : head(s, v, p, 0xdb, 4, n);
  for (let i = 0; i < n; i++) {
    const c = str.charCodeAt(i);
    if (c > 0x7f) throw NOT_PLAIN;
    s[p++] = c;
  }
  return p;
}

export function encodeAscii(str: string): Uint8Array {
  const out = new Uint8Array(textMost(str));
  return out.slice(0, text(out, new DataView(out.buffer), 0, str));
}

export function concat(parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  parts.reduce((p, x) => (out.set(x, p), p + x.length), 0);
  return out;
}

export const FEATURE_KEYS = ['symbol', 'interval', 'ts', 'final', 'close', 'defs', 'ema', 'rsi', 'atr', 'momentum', 'volumeMa', 'vwap', 'bb', 'macd', 'periods', 'warm', 'computedAt'] as const satisfies readonly (keyof Features)[];
export const SIGNAL_KEYS = ['symbol', 'price', 'ts', 'computedAt', 'side', 'score', 'reasons', 'stop', 'target'] as const satisfies readonly (keyof Signal)[];
const OTHER_KEYS = ['middle', 'upper', 'lower', 'bandwidth', 'percentB', 'signal', 'histogram'] as const;
export type Key = (typeof FEATURE_KEYS)[number] | (typeof SIGNAL_KEYS)[number] | (typeof OTHER_KEYS)[number];
export const K = Object.fromEntries([...FEATURE_KEYS, ...SIGNAL_KEYS, ...OTHER_KEYS].map((k) => [k, new Chunk(encodeAscii(k))])) as Record<Key, Chunk>;

// 17 keys: a map 16, not a fixmap
export const HEAD_FEATURES = new Chunk(concat([[0xde, 0, FEATURE_KEYS.length], K.symbol.bytes]));
export const FINAL_CLOSE = [0xc2, 0xc3].map((final) => new Chunk(concat([K.final.bytes, [final], K.close.bytes]))) as [Chunk, Chunk];
export const BB_MIDDLE = new Chunk(concat([K.bb.bytes, [0x85], K.middle.bytes]));
export const MACD_MACD = new Chunk(concat([K.macd.bytes, [0x83], K.macd.bytes]));
export const HEAD_SIGNAL = new Chunk(concat([[0x80 + SIGNAL_KEYS.length], K.symbol.bytes]));
const keyBytes = (keys: readonly Key[]) => keys.reduce((n, k) => n + K[k].n, 0);
/** A features payload but for its strings, EMA map and periods: keys, 16 numbers, 2 booleans, 3 map headers. */
export const FEATURES_MOST = keyBytes([...FEATURE_KEYS, ...OTHER_KEYS, 'macd']) + 16 * NUM + 2 + 5;
/** A signal but for its strings: keys, 6 numbers, its map header and the reasons' array header. */
export const SIGNAL_MOST = keyBytes(SIGNAL_KEYS) + 6 * NUM + 1 + 5;

/** Intervals, defs, sides and the scanner's reasons. */
const WORDS = [
  ...Object.keys(INTERVAL_MS), 'talib', 'flat', 'long', 'short', 'warming_up',
  'ema_trend_up', 'ema_trend_down', 'above_long_ema', 'below_long_ema', 'macd_bullish', 'macd_bearish',
  'rsi_bullish', 'rsi_bearish', 'rsi_overbought', 'rsi_oversold', 'above_vwap', 'below_vwap', 'bb_squeeze',
];
export const WORDS_BY_LENGTH: { word: string; chunk: Chunk }[][] = [];
for (const word of WORDS) (WORDS_BY_LENGTH[word.length] ??= []).push({ word, chunk: new Chunk(encodeAscii(word)) });

/**
 * The field writers assume every field is there (none undefined) and no other: a payload built
 * some other way goes down the generic path. Counting keys is cheap next to reading them by name.
 */
export function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}
