/**
 * A msgpack writer for the collector's hot path that produces exactly the bytes of
 * @msgpack/msgpack's `Encoder({ ignoreUndefined: true })` for plain data (null, booleans,
 * numbers, ASCII strings, arrays, plain objects) and returns null for anything else (the
 * caller then uses the library). Two costs of the library dominate at tens of thousands of
 * values a second: every `encode()` copies its result into a fresh ArrayBuffer (a backing
 * store per value, and GC pressure), and every map key is UTF-8 encoded again. Here values
 * are written straight into large shared slabs and handed out as views of them, and short
 * strings (map keys, intervals, reasons) are encoded once and copied as bytes.
 *
 * The payloads of the per-second path (features, signal, bar) have writers of their own:
 * they bound the size first and make room once, so the fields go out with no further checks,
 * and what lies between them (keys, map headers, the periods) is copied as pre-encoded chunks.
 * That path is ~15,000 payloads a second, so a few ns a field count.
 */

import { samePeriods } from './features/periods';
import { INTERVAL_MS, type Bar, type FeaturePeriods, type Features, type Signal } from './types';

interface EncodedPeriods {
  /** a private copy (the caller's object may change after), and the caller's when deeply frozen (an engine's) */
  periods: FeaturePeriods;
  frozen: FeaturePeriods | null;
  /** in Object.keys order, as numbers where array indices: `ema[200]` reads faster than `ema["200"]` */
  emaKeys: (number | string)[];
  emaKeyChunks: Chunk[];
  /** the 'ema' key, the EMA map's header and first key; the same after 'defs': 'talib' */
  emaHead: Chunk;
  talibEmaHead: Chunk;
  /** the 'periods' key and map, 'warm' key and value (false, true), 'computedAt' key */
  tails: [Chunk, Chunk];
  /** the most bytes these take */
  most: number;
}

/**
 * Small, like Node's Buffer pool: a value kept long after (the latest features of a symbol that
 * stopped trading) keeps its whole slab alive, so a slab must cost little to keep.
 */
const SLAB_BYTES = 8 * 1024;
/** strings longer than this are encoded each time (keys and symbols are far shorter) */
const CACHED_STRING_MAX = 64;
/** the cache is dropped when it grows past this (symbols come and go over months) */
const CACHE_LIMIT = 100_000;
/** the most bytes of a number; how far past its end a chunk's last 8-byte store may reach */
const NUM = 9;
const SLACK = 7;

/** Thrown inside a write when the value is not plain data; never escapes this module. */
const NOT_PLAIN = Symbol('not plain');
/** Thrown inside a generic write when the slab is full; the value is written again into a new one. */
const SLAB_FULL = Symbol('slab full');

export type SlabAllocator = (bytes: number) => Uint8Array;

export class MsgpackWriter {
  #slab: Uint8Array;
  #view: DataView;
  #pos = 0;
  readonly #strings = new Map<string, Chunk>();
  #lastPeriods: EncodedPeriods | null = null;
  /** a signal's reasons, looked up once to size it and kept for writing it */
  readonly #reasons: Chunk[] = [];

  /** `allocate` makes the slabs (Node: Buffer.allocUnsafeSlow, so every value is a Buffer view). */
  constructor(private readonly allocate: SlabAllocator = (n) => new Uint8Array(n)) {
    this.#slab = allocate(SLAB_BYTES);
    this.#view = new DataView(this.#slab.buffer, this.#slab.byteOffset, this.#slab.byteLength);
  }

  /** The encoded bytes (a view of a shared slab: never transfer its buffer), or null when `value` is not plain data. */
  write(value: unknown): Uint8Array | null {
    for (let attempt = 0; attempt < 2; attempt++) {
      const start = this.#pos;
      try {
        this.#value(value, 1);
        return this.#slab.subarray(start, this.#pos);
      } catch (err) {
        this.#pos = start;
        if (err === NOT_PLAIN) return null;
        if (err !== SLAB_FULL) throw err;
        this.#newSlab();
      }
    }
    return null; // larger than a slab: the library copes
  }

  /**
   * A Features payload as FeatureEngine.features() builds it, read field by field (the generic
   * path looks every key up by name). The fields go out in the order of that object literal,
   * so the bytes are those of the generic path; the tests compare both on engine output.
   */
  features(f: Features): Uint8Array | null {
    if (keyCount(f) !== FEATURE_KEYS.length) return this.write(f);
    try {
      const periods = this.#periods(f.periods, f.ema);
      const { symbol, ema, bb, macd } = f;
      const interval = this.#word(f.interval);
      const defs = this.#word(f.defs);
      if (!this.#reserve(FEATURES_MOST + textMost(symbol) + interval.n + defs.n + periods.most)) return null;
      const s = this.#slab;
      const v = this.#view;
      const start = this.#pos;
      let p = text(s, v, put(s, v, start, HEAD_FEATURES), symbol);
      p = put(s, v, put(s, v, p, K.interval), interval);
      p = num(s, v, put(s, v, p, K.ts), f.ts);
      p = num(s, v, put(s, v, p, f.final ? FINAL_CLOSE[1] : FINAL_CLOSE[0]), f.close);
      if (f.defs === 'talib') p = put(s, v, p, periods.talibEmaHead);
      else p = put(s, v, put(s, v, put(s, v, p, K.defs), defs), periods.emaHead);
      const { emaKeys, emaKeyChunks } = periods;
      for (let i = 0; i < emaKeys.length; i++) {
        const x = ema[emaKeys[i]!];
        if (x === undefined) throw NOT_PLAIN; // a key missing: not FeatureEngine's shape
        p = nullable(s, v, i === 0 ? p : put(s, v, p, emaKeyChunks[i]!), x); // the first key came with the head
      }
      p = nullable(s, v, put(s, v, p, K.rsi), f.rsi);
      p = nullable(s, v, put(s, v, p, K.atr), f.atr);
      p = nullable(s, v, put(s, v, p, K.momentum), f.momentum);
      p = nullable(s, v, put(s, v, p, K.volumeMa), f.volumeMa);
      p = nullable(s, v, put(s, v, p, K.vwap), f.vwap);
      p = nullable(s, v, put(s, v, p, BB_MIDDLE), bb.middle);
      p = nullable(s, v, put(s, v, p, K.upper), bb.upper);
      p = nullable(s, v, put(s, v, p, K.lower), bb.lower);
      p = nullable(s, v, put(s, v, p, K.bandwidth), bb.bandwidth);
      p = nullable(s, v, put(s, v, p, K.percentB), bb.percentB);
      p = nullable(s, v, put(s, v, p, MACD_MACD), macd.macd);
      p = nullable(s, v, put(s, v, p, K.signal), macd.signal);
      p = nullable(s, v, put(s, v, p, K.histogram), macd.histogram);
      p = num(s, v, put(s, v, p, f.warm ? periods.tails[1] : periods.tails[0]), f.computedAt);
      this.#pos = p;
      return s.subarray(start, p);
    } catch (err) {
      return nullIfNotPlain(err);
    }
  }

  /** A Signal as scan() builds it (its fields in scan's order), field by field. */
  signal(sig: Signal): Uint8Array | null {
    const { reasons } = sig;
    if (keyCount(sig) !== SIGNAL_KEYS.length || !Array.isArray(reasons)) return this.write(sig);
    try {
      const side = this.#word(sig.side);
      const r = this.#reasons;
      const count = reasons.length;
      let most = SIGNAL_MOST + textMost(sig.symbol) + side.n;
      for (let i = 0; i < count; i++) {
        const reason: unknown = reasons[i];
        if (typeof reason !== 'string') return this.write(sig);
        most += (r[i] = this.#word(reason)).n;
      }
      if (!this.#reserve(most)) return null;
      const s = this.#slab;
      const v = this.#view;
      const start = this.#pos;
      let p = text(s, v, put(s, v, start, HEAD_SIGNAL), sig.symbol);
      p = num(s, v, put(s, v, p, K.price), sig.price);
      p = num(s, v, put(s, v, p, K.ts), sig.ts);
      p = num(s, v, put(s, v, p, K.computedAt), sig.computedAt);
      p = put(s, v, put(s, v, p, K.side), side);
      p = num(s, v, put(s, v, p, K.score), sig.score);
      p = put(s, v, p, K.reasons);
      if (count < 16) s[p++] = 0x90 + count;
      else p = count < 0x10000 ? head(s, v, p, 0xdc, 2, count) : head(s, v, p, 0xdd, 4, count);
      for (let i = 0; i < count; i++) p = put(s, v, p, r[i]!);
      p = nullable(s, v, put(s, v, p, K.stop), sig.stop);
      p = nullable(s, v, put(s, v, p, K.target), sig.target);
      this.#pos = p;
      return s.subarray(start, p);
    } catch (err) {
      return nullIfNotPlain(err);
    }
  }

  /** A bar as the 11-field tuple of codec.encodeBar, without building the tuple. */
  bar(b: Bar): Uint8Array | null {
    try {
      const interval = this.#word(b.interval);
      const source = this.#ascii(b.source);
      if (!this.#reserve(3 + 6 * NUM + textMost(b.symbol) + interval.n + source.n)) return null;
      const s = this.#slab;
      const v = this.#view;
      const start = this.#pos;
      s[start] = 0x9b;
      let p = put(s, v, text(s, v, start + 1, b.symbol), interval);
      p = num(s, v, p, b.ts);
      p = num(s, v, p, b.open);
      p = num(s, v, p, b.high);
      p = num(s, v, p, b.low);
      p = num(s, v, p, b.close);
      p = put(s, v, num(s, v, p, b.volume), source);
      s[p++] = b.final ? 0xc3 : 0xc2;
      s[p++] = b.filled ? 0xc3 : 0xc2;
      this.#pos = p;
      return s.subarray(start, p);
    } catch (err) {
      return nullIfNotPlain(err);
    }
  }

  /** Room for `n` more bytes (and a chunk's slack), in a new slab if need be; false when no slab is that large. */
  #reserve(n: number): boolean {
    if (this.#pos + n + SLACK <= this.#slab.length) return true;
    if (n + SLACK > SLAB_BYTES) return false;
    this.#newSlab();
    return true;
  }

  /**
   * The periods every engine of a process shares by value: known by identity when frozen (an
   * engine's), else compared number by number with the last ones seen; encoded once, copied after.
   */
  #periods(p: FeaturePeriods, ema: Features['ema']): EncodedPeriods {
    const last = this.#lastPeriods;
    if (last !== null && (last.frozen === p || samePeriods(last.periods, p))) return last;
    const emaKeys = Object.keys(ema);
    const expected = new Set(p.ema.map(String));
    if (emaKeys.length !== expected.size || !emaKeys.every((k) => expected.has(k))) throw NOT_PLAIN;
    const written = this.write(p);
    if (!written) throw NOT_PLAIN;
    const tails = [0xc2, 0xc3].map((warm) => new Chunk(concat([K.periods.bytes, written, K.warm.bytes, [warm], K.computedAt.bytes])));
    this.#pos -= written.length; // the last value written, in this slab: given back
    const emaKeyChunks = emaKeys.map((k) => new Chunk(encodeAscii(k)));
    const n = emaKeys.length;
    const emaHead = concat([K.ema.bytes, n < 16 ? [0x80 + n] : [0xde, n >> 8, n & 0xff], emaKeyChunks[0]?.bytes ?? []]);
    return (this.#lastPeriods = {
      periods: { ...p, ema: [...p.ema], bb: [...p.bb], macd: [...p.macd] },
      frozen: [p, p.ema, p.bb, p.macd].every(Object.isFrozen) ? p : null,
      emaKeys: emaKeys.map((k) => (String(Number(k)) === k && Number(k) < 0xffffffff ? Number(k) : k)),
      emaKeyChunks,
      emaHead: new Chunk(emaHead),
      talibEmaHead: new Chunk(concat([K.defs.bytes, encodeAscii('talib'), emaHead])),
      tails: tails as [Chunk, Chunk],
      most: 3 + emaKeyChunks.reduce((sum, k) => sum + k.n + NUM, 0) + tails[0]!.n,
    });
  }

  #newSlab(): void {
    this.#slab = this.allocate(SLAB_BYTES);
    this.#view = new DataView(this.#slab.buffer, this.#slab.byteOffset, this.#slab.byteLength);
    this.#pos = 0;
  }

  #room(n: number): void {
    if (this.#pos + n > this.#slab.length) throw SLAB_FULL;
  }

  #u8(b: number): void {
    this.#room(1);
    this.#slab[this.#pos++] = b;
  }

  #value(v: unknown, depth: number): void {
    if (depth > 100) throw NOT_PLAIN;
    if (v === null || v === undefined) this.#u8(0xc0);
    else if (typeof v === 'number') {
      this.#room(NUM);
      this.#pos = num(this.#slab, this.#view, this.#pos, v);
    } else if (typeof v === 'string') {
      const chunk = this.#ascii(v);
      this.#room(chunk.n + SLACK);
      this.#pos = put(this.#slab, this.#view, this.#pos, chunk);
    } else if (typeof v === 'boolean') this.#u8(v ? 0xc3 : 0xc2);
    else if (Array.isArray(v)) this.#array(v, depth);
    else if (typeof v === 'object' && isPlainObject(v)) this.#map(v as Record<string, unknown>, depth);
    else throw NOT_PLAIN;
  }

  #head(n: number, fix: number, type16: number): void {
    this.#room(5);
    if (n < 16) this.#slab[this.#pos++] = fix + n;
    else this.#pos = n < 0x10000 ? head(this.#slab, this.#view, this.#pos, type16, 2, n) : head(this.#slab, this.#view, this.#pos, type16 + 1, 4, n);
  }

  #array(a: readonly unknown[], depth: number): void {
    this.#head(a.length, 0x90, 0xdc);
    for (let i = 0; i < a.length; i++) this.#value(a[i], depth + 1);
  }

  #map(o: Record<string, unknown>, depth: number): void {
    const keys = Object.keys(o);
    let n = 0;
    for (let i = 0; i < keys.length; i++) if (o[keys[i]!] !== undefined) n++;
    this.#head(n, 0x80, 0xde);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = o[k];
      if (v === undefined) continue;
      this.#value(k, depth + 1);
      this.#value(v, depth + 1);
    }
  }

  /**
   * A string of the payloads' vocabulary, found among the few of its length (mostly the same
   * string object: a pointer comparison), cheaper than a Map lookup; or any other string.
   */
  #word(str: string): Chunk {
    if (typeof str !== 'string') throw NOT_PLAIN;
    const words = WORDS_BY_LENGTH[str.length];
    if (words !== undefined) for (let i = 0; i < words.length; i++) if (words[i]!.word === str) return words[i]!.chunk;
    return this.#ascii(str);
  }

  /** The encoded bytes of an ASCII string, from the cache when short. */
  #ascii(str: string): Chunk {
    let chunk = this.#strings.get(str);
    if (chunk === undefined) {
      chunk = new Chunk(encodeAscii(str));
      if (str.length <= CACHED_STRING_MAX) {
        if (this.#strings.size >= CACHE_LIMIT) this.#strings.clear();
        this.#strings.set(str, chunk);
      }
    }
    return chunk;
  }
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function nullIfNotPlain(err: unknown): null {
  if (err === NOT_PLAIN) return null;
  throw err;
}

/**
 * Pre-encoded bytes (a key, a string, a run of constant fields), kept also as little-endian
 * float64 words so that one DataView store copies 8 of them: byte by byte, copying was half the
 * time of a features payload. A word that reads as a NaN might not come back bit for bit (V8 may
 * canonicalise NaNs), so such a chunk is copied byte by byte; ASCII text never makes one.
 */
class Chunk {
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
function put(s: Uint8Array, v: DataView, p: number, c: Chunk): number {
  const w = c.words;
  if (w !== null) for (let i = 0; i < w.length; i++) v.setFloat64(p + 8 * i, w[i]!, true);
  else for (let i = 0, b = c.bytes; i < b.length; i++) s[p + i] = b[i]!;
  return p + c.n;
}

function nullable(s: Uint8Array, v: DataView, p: number, n: number | null): number {
  if (n !== null && n !== undefined) return num(s, v, p, n);
  s[p] = 0xc0;
  return p + 1;
}

/** The library's encoding of a number: the smallest integer form for safe integers, else a float 64. */
function num(s: Uint8Array, v: DataView, p: number, n: number): number {
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
function head(s: Uint8Array, v: DataView, p: number, type: number, size: 1 | 2 | 4, n: number): number {
  s[p] = type;
  if (size === 1) s[p + 1] = n;
  else if (size === 2) v.setUint16(p + 1, n);
  else v.setUint32(p + 1, n);
  return p + 1 + size;
}

/** The most bytes `text` writes; throws for what is not a string (the field writers' cue to step aside). */
function textMost(str: string): number {
  if (typeof str !== 'string') throw NOT_PLAIN;
  return 5 + str.length;
}

/**
 * Header and bytes of an ASCII string; anything else goes to the library (its UTF-8 rules).
 * Symbols are written this way, character by character: each comes once a cycle among
 * thousands, and a cache lookup (memory misses) cost more than copying a few characters.
 */
function text(s: Uint8Array, v: DataView, p: number, str: string): number {
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

function encodeAscii(str: string): Uint8Array {
  const out = new Uint8Array(textMost(str));
  return out.slice(0, text(out, new DataView(out.buffer), 0, str));
}

function concat(parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  parts.reduce((p, x) => (out.set(x, p), p + x.length), 0);
  return out;
}

const FEATURE_KEYS = ['symbol', 'interval', 'ts', 'final', 'close', 'defs', 'ema', 'rsi', 'atr', 'momentum', 'volumeMa', 'vwap', 'bb', 'macd', 'periods', 'warm', 'computedAt'] as const satisfies readonly (keyof Features)[];
const SIGNAL_KEYS = ['symbol', 'price', 'ts', 'computedAt', 'side', 'score', 'reasons', 'stop', 'target'] as const satisfies readonly (keyof Signal)[];
const OTHER_KEYS = ['middle', 'upper', 'lower', 'bandwidth', 'percentB', 'signal', 'histogram'] as const;
type Key = (typeof FEATURE_KEYS)[number] | (typeof SIGNAL_KEYS)[number] | (typeof OTHER_KEYS)[number];
const K = Object.fromEntries([...FEATURE_KEYS, ...SIGNAL_KEYS, ...OTHER_KEYS].map((k) => [k, new Chunk(encodeAscii(k))])) as Record<Key, Chunk>;

// 17 keys: a map 16, not a fixmap
const HEAD_FEATURES = new Chunk(concat([[0xde, 0, FEATURE_KEYS.length], K.symbol.bytes]));
const FINAL_CLOSE = [0xc2, 0xc3].map((final) => new Chunk(concat([K.final.bytes, [final], K.close.bytes]))) as [Chunk, Chunk];
const BB_MIDDLE = new Chunk(concat([K.bb.bytes, [0x85], K.middle.bytes]));
const MACD_MACD = new Chunk(concat([K.macd.bytes, [0x83], K.macd.bytes]));
const HEAD_SIGNAL = new Chunk(concat([[0x80 + SIGNAL_KEYS.length], K.symbol.bytes]));
const keyBytes = (keys: readonly Key[]) => keys.reduce((n, k) => n + K[k].n, 0);
/** A features payload but for its strings, EMA map and periods: keys, 16 numbers, 2 booleans, 3 map headers. */
const FEATURES_MOST = keyBytes([...FEATURE_KEYS, ...OTHER_KEYS, 'macd']) + 16 * NUM + 2 + 5;
/** A signal but for its strings: keys, 6 numbers, its map header and the reasons' array header. */
const SIGNAL_MOST = keyBytes(SIGNAL_KEYS) + 6 * NUM + 1 + 5;

/** Intervals, defs, sides and the scanner's reasons. */
const WORDS = [
  ...Object.keys(INTERVAL_MS), 'talib', 'flat', 'long', 'short', 'warming_up',
  'ema_trend_up', 'ema_trend_down', 'above_long_ema', 'below_long_ema', 'macd_bullish', 'macd_bearish',
  'rsi_bullish', 'rsi_bearish', 'rsi_overbought', 'rsi_oversold', 'above_vwap', 'below_vwap', 'bb_squeeze',
];
const WORDS_BY_LENGTH: { word: string; chunk: Chunk }[][] = [];
for (const word of WORDS) (WORDS_BY_LENGTH[word.length] ??= []).push({ word, chunk: new Chunk(encodeAscii(word)) });

/**
 * The field writers assume every field is there (none undefined) and no other: a payload built
 * some other way goes down the generic path. Counting keys is cheap next to reading them by name.
 */
function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}
