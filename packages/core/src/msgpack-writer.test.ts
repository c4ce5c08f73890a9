import { Encoder } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeFeatures, encodeBar, encodeFeatures, encodeSignal } from './codec';
import { FeatureEngine } from './features/feature-engine';
import { barSeries } from './features/testing/arbitraries';
import { MsgpackWriter } from './msgpack-writer';
import { scan } from './scanner';
import type { SessionSpec } from './session';
import type { Features } from './types';

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
