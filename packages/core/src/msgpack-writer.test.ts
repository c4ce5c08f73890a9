import { Encoder } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeFeatures, encodeBar, encodeFeatures, encodeSignal } from './codec';
import { FeatureEngine } from './features/feature-engine';
import { barSeries } from './features/testing/arbitraries';
import { MsgpackWriter } from './msgpack-writer';
import { scan } from './scanner';
import type { SessionSpec } from './session';
import type { Features, Signal } from './types';

/** The reference: what codec.ts used before (and still falls back to). */
const library = new Encoder({ ignoreUndefined: true });
const sameBytes = (a: Uint8Array | null, b: Uint8Array) => a !== null && a.length === b.length && a.every((x, i) => x === b[i]);

const number = fc.oneof(
  fc.double(),
  fc.integer({ min: -0x80000000 - 5, max: 0x100000000 + 5 }),
  fc.maxSafeInteger(),
  fc.constantFrom(0, -0, 127, 128, 255, 256, 65535, 65536, -32, -33, -128, -129, -32768, -32769, 2 ** 32, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.NaN, Infinity, -Infinity),
);
const ascii = fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 300 });
const { plain } = fc.letrec((tie) => ({
  plain: fc.oneof({ depthSize: 'small' }, number, ascii, fc.boolean(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(fc.oneof(tie('plain'), fc.constant(undefined)), { maxLength: 20 }),
  object: fc.dictionary(ascii, fc.oneof(tie('plain'), fc.constant(undefined)), { maxKeys: 20 }),
}));

describe('MsgpackWriter', () => {
  test('writes the bytes of @msgpack/msgpack for plain data', () => {
    const writer = new MsgpackWriter();
    fc.assert(
      fc.property(plain, (value) => {
        expect(writer.write(value)).toEqual(library.encode(value));
      }),
      { numRuns: 2_000 },
    );
  });

  test('values written one after another stay intact (views of shared slabs, each its own range)', () => {
    const writer = new MsgpackWriter();
    const values = Array.from({ length: 20_000 }, (_, i) => ({ symbol: `S${i}`, ts: i * 60_000, close: i / 7, ema: { '9': i, '200': null } }));
    const written = values.map((v) => writer.write(v)!);
    const differing = written.filter((bytes, i) => !sameBytes(bytes, library.encode(values[i])));
    expect(differing).toHaveLength(0);
  });

  test('returns null for what it does not write (non-ASCII strings, dates, binaries, class instances)', () => {
    const writer = new MsgpackWriter();
    for (const value of [{ name: 'Zürich' }, [new Date(0)], new Uint8Array(3), new Map(), { nested: [new (class A {})()] }]) {
      expect(writer.write(value)).toBeNull();
    }
  });

  test('a value larger than a slab is left to the library', () => {
    const writer = new MsgpackWriter();
    expect(writer.write('x'.repeat(300_000))).toBeNull();
  });

  test('slabs come from the given allocator', () => {
    const slabs: Uint8Array[] = [];
    const writer = new MsgpackWriter((n) => slabs[slabs.push(new Uint8Array(n)) - 1]!);
    expect(writer.write({ a: 1 })!.buffer).toBe(slabs[0]!.buffer);
  });
});

describe('codec payloads (the field-by-field writers) on engine output', () => {
  const FX: SessionSpec = { timezone: 'America/New_York', open: '17:00', close: '17:00' };
  test('features, signals and bars are the bytes of @msgpack/msgpack, cold and warm, forming and final', () => {
    fc.assert(
      fc.property(barSeries({ base: 1.0842, minLength: 1, maxLength: 260 }), fc.integer({ min: 0, max: 2 ** 42 }), (bars, at) => {
        const engine = new FeatureEngine({ session: FX, periods: { ema: [50, 3, 200, 9] } });
        bars.forEach((bar, i) => {
          const forming = i % 3 === 0;
          const shown = { ...bar, final: !forming, filled: i % 2 === 1, interval: forming ? '5m' : bar.interval } as const;
          engine.update(shown);
          const f = engine.features(at);
          const s = scan(f, at);
          expect(sameBytes(encodeFeatures(f), library.encode(f)), `features of bar ${i}`).toBe(true);
          expect(sameBytes(encodeSignal(s), library.encode(s)), `signal of bar ${i}`).toBe(true);
          const tuple = [shown.symbol, shown.interval, shown.ts, shown.open, shown.high, shown.low, shown.close, shown.volume, shown.source, shown.final, shown.filled];
          expect(sameBytes(encodeBar(shown), library.encode(tuple)), `bar ${i}`).toBe(true);
        });
      }),
      { numRuns: 60 },
    );
  });

  test('a payload of another shape still encodes (the generic path) and decodes to itself', () => {
    const engine = new FeatureEngine({ session: FX });
    engine.update({ symbol: 'EURUSD', interval: '1m', ts: 0, open: 1, high: 1, low: 1, close: 1, volume: 1, source: 'x', final: true, filled: false });
    const extra = { ...engine.features(5), note: 'extra' } as unknown as Features;
    expect(decodeFeatures(encodeFeatures(extra))).toEqual(extra);
    expect(sameBytes(encodeFeatures(extra), library.encode(extra))).toBe(true);
  });
});

describe('codec payloads in other shapes (periods, strings, reasons) are still the bytes of @msgpack/msgpack', () => {
  const FX: SessionSpec = { timezone: 'America/New_York', open: '17:00', close: '17:00' };
  const bar = (symbol: string, i: number) => ({
    symbol, interval: '1h' as const, ts: i * 3_600_000, open: 100 + (i % 7), high: 103 + (i % 5), low: 98 - (i % 3), close: 100.5 + (i % 11) / 4,
    volume: i % 4 === 0 ? 0 : 10 * i, source: 'sim', final: true, filled: false,
  });
  /** big-endian 40 00 f0 ff f0 ff f0 ff: finite, but some 8-byte windows of the encoded periods read as a NaN */
  const nanPattern = (() => {
    const v = new DataView(new ArrayBuffer(8));
    v.setUint32(0, 0x4000f0ff);
    v.setUint32(4, 0xf0fff0ff);
    return v.getFloat64(0);
  })();
  const hasNanWord = (bytes: Uint8Array) => {
    const padded = new Uint8Array(Math.ceil(bytes.length / 8) * 8);
    padded.set(bytes);
    const v = new DataView(padded.buffer);
    return Array.from({ length: padded.length / 8 }, (_, i) => v.getFloat64(i * 8, true)).some(Number.isNaN);
  };

  test('engines of several periods, interleaved, with long and short symbols', () => {
    const configs = [
      { ema: [9, 21], rsi: 14, bb: [20, nanPattern] as [number, number] },
      { ema: [9, 21, 50, 200], rsi: 200, bb: [20, nanPattern] as [number, number] },
      { ema: [12], rsi: 7 },
      {},
      { ema: [5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 6765, 10946] }, // a map 16 of EMAs
    ];
    // the periods as the writer copies them, some with words that are not numbers as doubles
    const tail = (periods: object) => new Uint8Array([...library.encode('periods'), ...library.encode(periods), ...library.encode('warm')]);
    expect(configs.some((c) => hasNanWord(tail(new FeatureEngine({ session: FX, periods: c }).periods)))).toBe(true);
    const symbols = ['A', 'EURUSD', 'S'.repeat(31), 'L'.repeat(32), 'X'.repeat(70), 'Y'.repeat(300)];
    const engines = configs.flatMap((periods) => symbols.map((symbol) => ({ symbol, engine: new FeatureEngine({ session: FX, periods }) })));
    for (let i = 0; i < 240; i++) {
      for (const { symbol, engine } of engines) {
        engine.update(bar(symbol, i), { final: i % 2 === 0 });
        if (i % 9 !== 0 && i < 230) continue;
        const f = engine.features(i * 1_000);
        const s = scan(f, i * 1_000);
        expect(sameBytes(encodeFeatures(f), library.encode(f)), `features of ${symbol} at ${i}`).toBe(true);
        expect(sameBytes(encodeSignal(s), library.encode(s)), `signal of ${symbol} at ${i}`).toBe(true);
      }
    }
  });

  test('features with other defs and intervals than an engine gives', () => {
    const engine = new FeatureEngine({ session: FX });
    for (let i = 0; i < 30; i++) engine.update(bar('EURUSD', i));
    const f = engine.features(7);
    for (const other of [{ defs: 'other' }, { defs: 'x'.repeat(40) }, { interval: '2m' }, { interval: 'x'.repeat(70) }, { symbol: '' }]) {
      const g = { ...f, ...other } as Features;
      expect(sameBytes(encodeFeatures(g), library.encode(g)), JSON.stringify(other)).toBe(true);
    }
    for (const bad of [{ symbol: 'Zürich' }, { interval: null }, { defs: 3 }]) {
      const g = { ...f, ...bad } as unknown as Features;
      expect(sameBytes(encodeFeatures(g), library.encode(g)), JSON.stringify(bad)).toBe(true);
    }
  });

  test('signals with any sides, reasons and numbers', () => {
    const word = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 });
    const num = fc.oneof(fc.double(), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.constantFrom(0, -0, -1, 255, -129, 2 ** 32));
    const signal = fc.record({
      symbol: word,
      price: num,
      ts: num,
      computedAt: num,
      side: fc.oneof(fc.constantFrom('long', 'short', 'flat'), word),
      score: num,
      reasons: fc.array(fc.oneof(fc.constantFrom('ema_trend_up', 'rsi_oversold', 'bb_squeeze', 'warming_up'), word), { maxLength: 20 }),
      stop: fc.option(num, { nil: null }),
      target: fc.option(num, { nil: null }),
    });
    fc.assert(
      fc.property(signal, (sig) => {
        expect(sameBytes(encodeSignal(sig as Signal), library.encode(sig))).toBe(true);
      }),
      { numRuns: 2_000 },
    );
    const odd = { symbol: 'A', price: 1, ts: 2, computedAt: 3, side: 'flat', score: 0, reasons: ['a', 7, null], stop: null, target: null };
    expect(sameBytes(encodeSignal(odd as unknown as Signal), library.encode(odd))).toBe(true);
  });
});
