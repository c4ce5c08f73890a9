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
import type { Bar, FeaturePeriods, Features, Signal } from './types';
import {
  BB_MIDDLE, Chunk, FEATURES_MOST, FEATURE_KEYS, FINAL_CLOSE, HEAD_FEATURES, HEAD_SIGNAL, K, MACD_MACD, NOT_PLAIN, NUM, SIGNAL_KEYS,
  SIGNAL_MOST, SLACK, WORDS_BY_LENGTH, concat, encodeAscii, head, keyCount, nullable, num, put, text, textMost,
} from './msgpack-bytes';

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

