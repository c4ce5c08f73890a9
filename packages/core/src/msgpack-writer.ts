/**
 * A msgpack writer for the collector's hot path that produces exactly the bytes of
 * @msgpack/msgpack's `Encoder({ ignoreUndefined: true })` for plain data (null, booleans,
 * numbers, ASCII strings, arrays, plain objects) and returns null for anything else (the
 * caller then uses the library). Two costs of the library dominate at tens of thousands of
 * values a second: every `encode()` copies its result into a fresh ArrayBuffer (a backing
 * store per value, and GC pressure), and every map key is UTF-8 encoded again. Here values
 * are written straight into large shared slabs and handed out as views of them, and short
 * strings (map keys, symbols, intervals) are encoded once and copied as bytes.
 */

import type { Bar, FeaturePeriods, Features, Signal } from './types';

interface EncodedPeriods {
  /** a private copy: the caller's object may change after */
  periods: FeaturePeriods;
  bytes: Uint8Array;
  emaKeys: string[];
  emaKeyBytes: Uint8Array[];
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

/** Thrown inside a write when the value is not plain data; never escapes this module. */
const NOT_PLAIN = Symbol('not plain');
/** Thrown inside a write when the slab is full; the value is written again into a new one. */
const SLAB_FULL = Symbol('slab full');

export type SlabAllocator = (bytes: number) => Uint8Array;

export class MsgpackWriter {
  #slab: Uint8Array;
  #view: DataView;
  #pos = 0;
  readonly #strings = new Map<string, Uint8Array>();
  #lastPeriods: EncodedPeriods | null = null;

  /** `allocate` makes the slabs (Node: Buffer.allocUnsafeSlow, so every value is a Buffer view). */
  constructor(private readonly allocate: SlabAllocator = (n) => new Uint8Array(n)) {
    this.#slab = allocate(SLAB_BYTES);
    this.#view = new DataView(this.#slab.buffer, this.#slab.byteOffset, this.#slab.byteLength);
  }

  /** The encoded bytes (a view of a shared slab: never transfer its buffer), or null when `value` is not plain data. */
  write(value: unknown): Uint8Array | null {
    return this.#run(value, (v) => this.#value(v, 1));
  }

  /**
   * A Features payload as FeatureEngine.features() builds it, read field by field (the generic
   * path looks every key up by name). The fields go out in the order of that object literal,
   * so the bytes are those of the generic path; the tests compare both on engine output.
   */
  features(f: Features): Uint8Array | null {
    return this.#run(f, (x) => this.#features(x));
  }

  /** A Signal as scan() builds it (its fields in scan's order), field by field. */
  signal(sig: Signal): Uint8Array | null {
    return this.#run(sig, (x) => this.#signal(x));
  }

  /** A bar as the 11-field tuple of codec.encodeBar, without building the tuple. */
  bar(b: Bar): Uint8Array | null {
    return this.#run(b, (x) => this.#bar(x));
  }

  #bar(b: Bar): void {
    this.#u8(0x9b);
    this.#string(b.symbol);
    this.#string(b.interval);
    this.#number(b.ts);
    this.#number(b.open);
    this.#number(b.high);
    this.#number(b.low);
    this.#number(b.close);
    this.#number(b.volume);
    this.#string(b.source);
    this.#u8(b.final ? 0xc3 : 0xc2);
    this.#u8(b.filled ? 0xc3 : 0xc2);
  }

  #run<T>(value: T, writeValue: (value: T) => void): Uint8Array | null {
    for (let attempt = 0; attempt < 2; attempt++) {
      const start = this.#pos;
      try {
        writeValue(value);
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

  #features(f: Features): void {
    if (!FEATURE_KEYS_MATCH(f)) throw NOT_PLAIN;
    this.#head(0xde, 2, FEATURE_KEYS.length); // 17 keys: a map 16, not a fixmap
    this.#key(K.symbol);
    this.#string(f.symbol);
    this.#key(K.interval);
    this.#string(f.interval);
    this.#key(K.ts);
    this.#number(f.ts);
    this.#key(K.final);
    this.#u8(f.final ? 0xc3 : 0xc2);
    this.#key(K.close);
    this.#number(f.close);
    this.#key(K.defs);
    this.#string(f.defs);
    const periods = this.#periods(f.periods, f.ema);
    this.#key(K.ema);
    this.#ema(f.ema, periods);
    this.#key(K.rsi);
    this.#nullable(f.rsi);
    this.#key(K.atr);
    this.#nullable(f.atr);
    this.#key(K.momentum);
    this.#nullable(f.momentum);
    this.#key(K.volumeMa);
    this.#nullable(f.volumeMa);
    this.#key(K.vwap);
    this.#nullable(f.vwap);
    const { bb, macd } = f;
    this.#key(K.bb);
    this.#u8(0x85);
    this.#key(K.middle);
    this.#nullable(bb.middle);
    this.#key(K.upper);
    this.#nullable(bb.upper);
    this.#key(K.lower);
    this.#nullable(bb.lower);
    this.#key(K.bandwidth);
    this.#nullable(bb.bandwidth);
    this.#key(K.percentB);
    this.#nullable(bb.percentB);
    this.#key(K.macd);
    this.#u8(0x83);
    this.#key(K.macd);
    this.#nullable(macd.macd);
    this.#key(K.signal);
    this.#nullable(macd.signal);
    this.#key(K.histogram);
    this.#nullable(macd.histogram);
    this.#key(K.periods);
    this.#key(periods.bytes);
    this.#key(K.warm);
    this.#u8(f.warm ? 0xc3 : 0xc2);
    this.#key(K.computedAt);
    this.#number(f.computedAt);
  }

  #signal(sig: Signal): void {
    if (!SIGNAL_KEYS_MATCH(sig)) throw NOT_PLAIN;
    this.#u8(0x80 + SIGNAL_KEYS.length);
    this.#key(K.symbol);
    this.#string(sig.symbol);
    this.#key(K.price);
    this.#number(sig.price);
    this.#key(K.ts);
    this.#number(sig.ts);
    this.#key(K.computedAt);
    this.#number(sig.computedAt);
    this.#key(K.side);
    this.#string(sig.side);
    this.#key(K.score);
    this.#number(sig.score);
    this.#key(K.reasons);
    this.#array(sig.reasons, 2);
    this.#key(K.stop);
    this.#nullable(sig.stop);
    this.#key(K.target);
    this.#nullable(sig.target);
  }

  #nullable(n: number | null): void {
    if (n == null) this.#u8(0xc0);
    else this.#number(n);
  }

  #key(bytes: Uint8Array): void {
    const n = bytes.length;
    this.#room(n);
    const s = this.#slab;
    let p = this.#pos;
    for (let i = 0; i < n; i++) s[p++] = bytes[i]!;
    this.#pos = p;
  }

  /**
   * The periods every engine of a process shares by value (each engine has its own object):
   * compared number by number with the last ones seen, encoded once, copied after. The EMA
   * keys come with them, in the order Object.keys gives (integer-like keys ascending).
   */
  #periods(p: FeaturePeriods, ema: Features['ema']): EncodedPeriods {
    const last = this.#lastPeriods;
    if (last && samePeriods(last.periods, p)) return last;
    const start = this.#pos;
    this.#value(p, 2);
    // a copy (Buffer slabs: slice() would be a view of bytes about to be overwritten)
    const bytes = new Uint8Array(this.#slab.subarray(start, this.#pos));
    this.#pos = start;
    const emaKeys = Object.keys(ema);
    const expected = new Set(p.ema.map(String));
    if (emaKeys.length !== expected.size || !emaKeys.every((k) => expected.has(k))) throw NOT_PLAIN;
    const copy: FeaturePeriods = { ...p, ema: [...p.ema], bb: [...p.bb], macd: [...p.macd] };
    return (this.#lastPeriods = { periods: copy, bytes, emaKeys, emaKeyBytes: emaKeys.map(encodeAscii) });
  }

  /** The EMA map, its keys those of the periods (a value missing is not FeatureEngine's shape). */
  #ema(ema: Features['ema'], periods: EncodedPeriods): void {
    const { emaKeys, emaKeyBytes } = periods;
    const n = emaKeys.length;
    if (n < 16) this.#u8(0x80 + n);
    else this.#head(0xde, 2, n);
    for (let i = 0; i < n; i++) {
      const v = ema[emaKeys[i]!];
      if (v === undefined) throw NOT_PLAIN;
      this.#key(emaKeyBytes[i]!);
      this.#nullable(v);
    }
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
    else if (typeof v === 'number') this.#number(v);
    else if (typeof v === 'string') this.#string(v);
    else if (typeof v === 'boolean') this.#u8(v ? 0xc3 : 0xc2);
    else if (Array.isArray(v)) this.#array(v, depth);
    else if (typeof v === 'object' && isPlainObject(v)) this.#map(v as Record<string, unknown>, depth);
    else throw NOT_PLAIN;
  }

  #number(n: number): void {
    this.#room(9);
    const p = this.#pos;
    const s = this.#slab;
    if (Number.isSafeInteger(n)) {
      if (n >= 0) {
        if (n < 0x80) return void (s[this.#pos++] = n);
        if (n < 0x100) return this.#head(0xcc, 1, n);
        if (n < 0x10000) return this.#head(0xcd, 2, n);
        if (n < 0x100000000) return this.#head(0xce, 4, n);
        s[p] = 0xcf;
        this.#view.setUint32(p + 1, Math.floor(n / 0x100000000));
        this.#view.setUint32(p + 5, n >>> 0);
      } else {
        if (n >= -0x20) return void (s[this.#pos++] = (0xe0 | (n + 0x20)) & 0xff);
        if (n >= -0x80) return this.#signed(0xd0, 1, n);
        if (n >= -0x8000) return this.#signed(0xd1, 2, n);
        if (n >= -0x80000000) return this.#signed(0xd2, 4, n);
        s[p] = 0xd3;
        this.#view.setBigInt64(p + 1, BigInt(n));
      }
    } else {
      s[p] = 0xcb;
      this.#view.setFloat64(p + 1, n);
    }
    this.#pos += 9;
  }

  /** A type byte and a signed big-endian value of 1, 2 or 4 bytes. */
  #signed(type: number, size: 1 | 2 | 4, n: number): void {
    const p = this.#pos;
    this.#slab[p] = type;
    if (size === 1) this.#view.setInt8(p + 1, n);
    else if (size === 2) this.#view.setInt16(p + 1, n);
    else this.#view.setInt32(p + 1, n);
    this.#pos += 1 + size;
  }

  /** A type byte and an unsigned big-endian length or value of 1, 2 or 4 bytes. */
  #head(type: number, size: 1 | 2 | 4, n: number): void {
    this.#room(1 + size);
    const p = this.#pos;
    this.#slab[p] = type;
    if (size === 1) this.#slab[p + 1] = n;
    else if (size === 2) this.#view.setUint16(p + 1, n);
    else this.#view.setUint32(p + 1, n);
    this.#pos += 1 + size;
  }

  #string(str: string): void {
    let bytes = this.#strings.get(str);
    if (bytes === undefined) {
      bytes = encodeAscii(str);
      if (str.length <= CACHED_STRING_MAX) {
        if (this.#strings.size >= CACHE_LIMIT) this.#strings.clear();
        this.#strings.set(str, bytes);
      }
    }
    const n = bytes.length;
    this.#room(n);
    const s = this.#slab;
    let p = this.#pos;
    // A loop beats TypedArray.prototype.set for the few bytes of a key or symbol.
    if (n <= 32) for (let i = 0; i < n; i++) s[p++] = bytes[i]!;
    else {
      s.set(bytes, p);
      p += n;
    }
    this.#pos = p;
  }

  #array(a: readonly unknown[], depth: number): void {
    const n = a.length;
    if (n < 16) this.#u8(0x90 + n);
    else if (n < 0x10000) this.#head(0xdc, 2, n);
    else this.#head(0xdd, 4, n);
    for (let i = 0; i < n; i++) this.#value(a[i], depth + 1);
  }

  #map(o: Record<string, unknown>, depth: number): void {
    const keys = Object.keys(o);
    let n = 0;
    for (let i = 0; i < keys.length; i++) if (o[keys[i]!] !== undefined) n++;
    if (n < 16) this.#u8(0x80 + n);
    else if (n < 0x10000) this.#head(0xde, 2, n);
    else this.#head(0xdf, 4, n);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = o[k];
      if (v === undefined) continue;
      this.#string(k);
      this.#value(v, depth + 1);
    }
  }
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Header and bytes of an ASCII string; anything else goes to the library (its UTF-8 rules). */
function encodeAscii(str: string): Uint8Array {
  const n = str.length;
  const head = n < 32 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
  const out = new Uint8Array(head + n);
  if (head === 1) out[0] = 0xa0 + n;
  else if (head === 2) out.set([0xd9, n]);
  else if (head === 3) out.set([0xda, n >>> 8, n & 0xff]);
  else {
    out[0] = 0xdb;
    new DataView(out.buffer).setUint32(1, n);
  }
  for (let i = 0; i < n; i++) {
    const c = str.charCodeAt(i);
    if (c > 0x7f) throw NOT_PLAIN;
    out[head + i] = c;
  }
  return out;
}

const FEATURE_KEYS = ['symbol', 'interval', 'ts', 'final', 'close', 'defs', 'ema', 'rsi', 'atr', 'momentum', 'volumeMa', 'vwap', 'bb', 'macd', 'periods', 'warm', 'computedAt'] as const satisfies readonly (keyof Features)[];
const SIGNAL_KEYS = ['symbol', 'price', 'ts', 'computedAt', 'side', 'score', 'reasons', 'stop', 'target'] as const satisfies readonly (keyof Signal)[];
const OTHER_KEYS = ['middle', 'upper', 'lower', 'bandwidth', 'percentB', 'signal', 'histogram'] as const;
const K = Object.fromEntries([...FEATURE_KEYS, ...SIGNAL_KEYS, ...OTHER_KEYS].map((k) => [k, encodeAscii(k)])) as Record<
  (typeof FEATURE_KEYS)[number] | (typeof SIGNAL_KEYS)[number] | (typeof OTHER_KEYS)[number],
  Uint8Array
>;

/**
 * The field writers assume every field is there (none undefined) and no other: a payload built
 * some other way goes down the generic path. Counting keys is cheap next to reading them by name.
 */
function keysMatch(count: number): (o: object) => boolean {
  return (o) => {
    let n = 0;
    for (const _ in o) n++;
    return n === count;
  };
}
const FEATURE_KEYS_MATCH = keysMatch(FEATURE_KEYS.length);
const SIGNAL_KEYS_MATCH = keysMatch(SIGNAL_KEYS.length);

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function samePeriods(a: FeaturePeriods, b: FeaturePeriods): boolean {
  return (
    a.rsi === b.rsi && a.atr === b.atr && a.momentum === b.momentum && a.volumeMa === b.volumeMa &&
    sameNumbers(a.ema, b.ema) && sameNumbers(a.bb, b.bb) && sameNumbers(a.macd, b.macd)
  );
}
