import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeValue, encodeValue } from '../codec';
import type { SessionSpec } from '../session';
import type { Bar, Features } from '../types';
import { FeatureEngine } from './feature-engine';
import type { FeatureEngineState } from './feature-engine';
import { DEFAULT_PERIODS } from './periods';
import { barSeries } from './testing/arbitraries';
import { featureDiffs, referenceFeatures } from './testing/reference-features';

const FX: SessionSpec = { timezone: 'America/New_York', open: '17:00', close: '17:00' };
const MAGNITUDES = [1e-8, 1.0842, 18_000, 1e12];

function run(bars: Bar[]): Features[] {
  const engine = new FeatureEngine({ session: FX });
  return bars.map((b) => {
    engine.update(b);
    return engine.features(0);
  });
}

function numbersIn(x: unknown): number[] {
  if (typeof x === 'number') return [x];
  if (x !== null && typeof x === 'object') return Object.values(x).flatMap(numbersIn);
  return [];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + Math.abs(b), 0) / xs.length;

describe.each(MAGNITUDES)('prices around %d', (base) => {
  test('the incremental engine equals the array-based reference on random series', () => {
    fc.assert(
      fc.property(barSeries({ base, minLength: 1, maxLength: 320 }), (bars) => {
        const want = referenceFeatures(bars, FX, DEFAULT_PERIODS);
        const priceScale = mean(bars.map((b) => b.close));
        const volumeScale = Math.max(mean(bars.map((b) => b.volume)), 1);
        run(bars).forEach((got, i) => {
          expect(featureDiffs({ ...got, computedAt: 0 }, want[i]!, priceScale, volumeScale), `bar ${i}`).toEqual([]);
        });
      }),
      { numRuns: 25 },
    );
  });

  test('no NaN or Infinity escapes: every number is finite, every gap null', () => {
    fc.assert(
      fc.property(barSeries({ base, minLength: 1, maxLength: 260, zeroVolume: 0.6 }), (bars) => {
        const all = run(bars);
        const bad = all.flatMap((f) => numbersIn(f)).filter((x) => !Number.isFinite(x));
        expect(bad).toEqual([]);
        // Past the warm-up only VWAP (no volume) and %B (flat bands) may be null.
        for (const f of all.filter((x) => x.warm)) {
          const { vwap: _, bb: { percentB: __, ...bands }, ...rest } = f;
          expect(JSON.stringify({ ...rest, bands }).includes('null')).toBe(false);
        }
      }),
      { numRuns: 25 },
    );
  });
});

test('any number of forming updates, then the final bar, equal adding the final bar once', () => {
  const formingCloses = fc.array(fc.double({ min: 0.9, max: 1.1, noNaN: true }), { minLength: 1, maxLength: 60 });
  fc.assert(
    fc.property(barSeries({ base: 100, minLength: 2, maxLength: 260 }), formingCloses, (bars, factors) => {
      const plain = new FeatureEngine({ session: FX });
      const formed = new FeatureEngine({ session: FX });
      for (const b of bars) {
        for (const k of factors) {
          const close = b.close * k;
          formed.update({ ...b, close, high: Math.max(b.high, close), low: Math.min(b.low, close), final: false });
          // What a batch over the committed bars plus this one gives: a copy that commits it.
          const batch = new FeatureEngine({ session: FX });
          batch.restore(formed.snapshot());
          batch.update({ ...b, close, high: Math.max(b.high, close), low: Math.min(b.low, close) });
          expect(formed.features(0)).toEqual({ ...batch.features(0), final: false });
        }
        formed.update(b);
        plain.update(b);
        expect(formed.features(0)).toEqual(plain.features(0));
      }
    }),
    { numRuns: 15 },
  );
});

test('snapshot → msgpack/JSON → restore mid-stream equals running on', () => {
  const codec = fc.constantFrom(
    (s: FeatureEngineState) => JSON.parse(JSON.stringify(s)) as FeatureEngineState,
    (s: FeatureEngineState) => decodeValue<FeatureEngineState>(encodeValue(s)),
  );
  fc.assert(
    fc.property(barSeries({ base: 1.08, minLength: 2, maxLength: 320 }), fc.double({ min: 0, max: 1, noNaN: true }), codec, (bars, at, roundTrip) => {
      const cut = Math.floor(at * bars.length);
      const straight = new FeatureEngine({ session: FX });
      for (const b of bars.slice(0, cut)) straight.update(b);
      const resumed = new FeatureEngine({ session: FX });
      resumed.restore(roundTrip(straight.snapshot()));
      for (const b of bars.slice(cut)) {
        straight.update(b);
        resumed.update(b);
        expect(resumed.features(0)).toEqual(straight.features(0));
      }
    }),
    { numRuns: 40 },
  );
});
