import { describe, expect, test } from 'vitest';
import { decodeValue, encodeValue } from '../codec';
import { FIXTURES, aligned, closeTo, priceScale } from '../indicators/testing/fixtures';
import type { RefKey } from '../indicators/testing/fixtures';
import type { Features } from '../types';
import { computeFeatures } from './compute-features';
import { FeatureEngine } from './feature-engine';
import type { FeatureEngineState } from './feature-engine';
import { DEFAULT_PERIODS } from './periods';
import { featureDiffs, referenceFeatures } from './testing/reference-features';

const nq = FIXTURES[1]!;

describe.each(FIXTURES)('FeatureEngine on $name', (f) => {
  const all = computeFeatures(f.bars, { session: f.session });

  const talib: [RefKey, (x: Features) => number | null, number][] = [
    ['ema9', (x) => x.ema['9']!, 0], ['ema21', (x) => x.ema['21']!, 0], ['ema50', (x) => x.ema['50']!, 0],
    ['ema200', (x) => x.ema['200']!, 0], ['rsi14', (x) => x.rsi, 1], ['atr14', (x) => x.atr, 1e-4],
    ['macd', (x) => x.macd.macd, 1e-4], ['macdSignal', (x) => x.macd.signal, 1e-4], ['macdHist', (x) => x.macd.histogram, 1e-4],
    ['bbUpper', (x) => x.bb.upper, 0], ['bbMiddle', (x) => x.bb.middle, 0], ['bbLower', (x) => x.bb.lower, 0],
    ['mom10', (x) => x.momentum, 1e-4], ['volumeSma20', (x) => x.volumeMa, 0],
  ];
  test.each(talib)('%s equals TA-Lib to 1e-9 relative, null before its first index', (key, read, floor) => {
    const want = aligned(f.ref, key);
    const scale = floor === 1e-4 ? priceScale(f) * floor : floor;
    const bad = all.findIndex((x, i) => !closeTo(read(x), want[i] ?? null, scale));
    expect(bad, `first mismatch at ${bad}`).toBe(-1);
  });

  test('VWAP, bandwidth, %B and everything else match the independent reference', () => {
    const want = referenceFeatures(f.bars, f.session, DEFAULT_PERIODS);
    const volumeScale = f.bars.reduce((a, b) => a + b.volume, 0) / f.bars.length;
    const bad = all.map((x, i) => featureDiffs(x, want[i]!, priceScale(f), volumeScale)).findIndex((d) => d.length > 0);
    expect(bad, `first difference at ${bad}`).toBe(-1);
  });

  test('is warm from index 199 (EMA 200), not before', () => {
    expect(all.findIndex((x) => x.warm)).toBe(199);
    expect(all.slice(199).every((x) => x.warm)).toBe(true);
  });
});

test('builds the docs/architecture.md §2 payload: keys, periods, defs, nulls while warming up', () => {
  const [first] = computeFeatures(nq.bars.slice(0, 1), { session: nq.session, computedAt: 42 });
  const b = nq.bars[0]!;
  expect(first).toEqual({
    symbol: 'NAS100', interval: '1m', ts: b.ts, final: true, close: b.close, defs: 'talib',
    ema: { 9: null, 21: null, 50: null, 200: null },
    rsi: null, atr: null, momentum: null, volumeMa: null, vwap: (b.high + b.low + b.close) / 3,
    bb: { middle: null, upper: null, lower: null, bandwidth: null, percentB: null },
    macd: { macd: null, signal: null, histogram: null },
    periods: { ema: [9, 21, 50, 200], rsi: 14, atr: 14, momentum: 10, volumeMa: 20, bb: [20, 2], macd: [12, 26, 9] },
    warm: false, computedAt: 42,
  });
  expect(Object.keys(first!)).toEqual([
    'symbol', 'interval', 'ts', 'final', 'close', 'defs', 'ema', 'rsi', 'atr', 'momentum', 'volumeMa', 'vwap',
    'bb', 'macd', 'periods', 'warm', 'computedAt',
  ]);
});

test('a forming bar shows the batch result and leaves the committed state alone', () => {
  const engine = new FeatureEngine({ session: nq.session });
  const bars = nq.bars.slice(0, 260);
  for (const b of bars.slice(0, 259)) engine.update(b);
  const next = bars[259]!;
  const before = JSON.stringify(engine.snapshot());
  for (let k = 0; k < 60; k++) {
    engine.update({ ...next, close: next.close + k - 30, high: next.high + 40, final: false });
    expect(engine.features(0).final).toBe(false);
  }
  engine.update({ ...next, final: false });
  const forming = engine.features(0);
  expect(JSON.stringify(engine.snapshot()), 'committed state untouched').toBe(before);
  engine.update(next);
  const batch = computeFeatures(bars, { session: nq.session, computedAt: 0 }).at(-1)!;
  expect(engine.features(0)).toEqual(batch);
  expect(forming).toEqual({ ...batch, final: false });
});

test.each([
  ['JSON', (s: FeatureEngineState) => JSON.parse(JSON.stringify(s)) as FeatureEngineState],
  ['msgpack', (s: FeatureEngineState) => decodeValue<FeatureEngineState>(encodeValue(s))],
])('snapshot → %s → restore resumes exactly', (_, roundTrip) => {
  const engine = new FeatureEngine({ session: nq.session });
  for (const b of nq.bars.slice(0, 700)) engine.update(b);
  const restored = new FeatureEngine({ session: nq.session });
  restored.restore(roundTrip(engine.snapshot()));
  expect(restored.features(1)).toEqual(engine.features(1));
  for (const b of nq.bars.slice(700, 900)) {
    engine.update(b);
    restored.update(b);
    expect(restored.features(1)).toEqual(engine.features(1));
  }
});

test('takes configured periods', () => {
  const engine = new FeatureEngine({ session: nq.session, periods: { ema: [5, 8], rsi: 7, macd: [3, 10, 4], bb: [10, 1.5] } });
  for (const b of nq.bars.slice(0, 30)) engine.update(b);
  const f = engine.features(0);
  expect(Object.keys(f.ema)).toEqual(['5', '8']);
  expect(f.periods).toEqual({ ema: [5, 8], rsi: 7, atr: 14, momentum: 10, volumeMa: 20, bb: [10, 1.5], macd: [3, 10, 4] });
  expect(f.warm).toBe(true);
  const want = referenceFeatures(nq.bars.slice(0, 30), nq.session, f.periods).at(-1)!;
  expect(featureDiffs(f, want, priceScale(nq), 500)).toEqual([]);
});

describe('errors', () => {
  const engine = () => new FeatureEngine({ session: nq.session });
  const bar = nq.bars[0]!;
  test.each([
    ['invalid_options', () => new FeatureEngine({ session: nq.session, periods: { ema: [9, 9] } })],
    ['invalid_options', () => new FeatureEngine({ session: nq.session, periods: { rsi: 0 } })],
    ['no_data', () => engine().features(0)],
    ['non_finite_input', () => engine().update({ ...bar, close: Number.NaN })],
    ['out_of_order', () => { const e = engine(); e.update(bar); e.update({ ...bar, final: false }); }],
    ['invalid_snapshot', () => new FeatureEngine({ session: nq.session, periods: { rsi: 7 } }).restore(engine().snapshot())],
    ['invalid_snapshot', () => engine().restore({ ...engine().snapshot(), rsi: { kind: 'ema' } } as unknown as FeatureEngineState)],
  ] as const)('%s', (code, run) => {
    expect(run).toThrow(expect.objectContaining({ code }));
  });
});

test('features(at, reuse) overwrites the payload it is given with what a fresh call returns', () => {
  const a = new FeatureEngine({ session: nq.session });
  const b = new FeatureEngine({ session: nq.session });
  let scratch: Features | undefined;
  for (const [i, bar] of nq.bars.slice(0, 260).entries()) {
    const engine = i % 2 === 0 ? a : b; // two engines write into one scratch payload, as a stage's do
    engine.update(bar, { final: i % 3 !== 0 });
    const fresh = engine.features(i);
    const reused = engine.features(i, scratch);
    if (scratch) expect(reused).toBe(scratch);
    expect(reused).toEqual(fresh);
    expect(Object.keys(reused)).toEqual(Object.keys(fresh));
    scratch = reused;
  }
  const other = new FeatureEngine({ session: nq.session, periods: { ema: [5, 8] } });
  other.update(nq.bars[0]!, { final: true });
  const mine = other.features(1, scratch);
  expect(mine).not.toBe(scratch); // other periods: other EMA keys, so a payload of its own
  expect(Object.keys(mine.ema)).toEqual(['5', '8']);
});
