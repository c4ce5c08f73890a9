import eurusdCsv from '../../../test-fixtures/eurusd-6e-1m.csv?raw';
import eurusdRef from '../../../test-fixtures/eurusd-6e-1m.talib.json?raw';
import nqCsv from '../../../test-fixtures/nq-1m.csv?raw';
import nqRef from '../../../test-fixtures/nq-1m.talib.json?raw';
import xauCsv from '../../../test-fixtures/xauusd-1d.csv?raw';
import xauRef from '../../../test-fixtures/xauusd-1d.talib.json?raw';
import type { SessionSpec } from '../../session';
import type { Bar, Interval } from '../../types';

/** Real series copied by tools/talib-ref/generate.mjs, with TA-Lib's outputs for them. */
export type RefKey =
  | 'ema9' | 'ema21' | 'ema50' | 'ema200' | 'rsi14' | 'atr14' | 'macd' | 'macdSignal' | 'macdHist'
  | 'bbUpper' | 'bbMiddle' | 'bbLower' | 'mom10' | 'volumeSma20';

export interface TalibReference {
  input: string;
  sha256: string;
  bars: number;
  talib: { node: string; c: string };
  outputs: Record<RefKey, { begIndex: number; values: number[] }>;
}

export interface Fixture {
  name: string;
  csv: string;
  bars: Bar[];
  session: SessionSpec;
  ref: TalibReference;
}

const FX_SESSION: SessionSpec = { timezone: 'America/New_York', open: '17:00', close: '17:00' };
const CME_SESSION: SessionSpec = { timezone: 'America/New_York', open: '18:00', close: '17:00' };

function load(name: string, symbol: string, interval: Interval, session: SessionSpec, csv: string, ref: string): Fixture {
  const bars = csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line): Bar => {
      const [ts, open, high, low, close, volume] = line.split(',').map(Number) as [number, number, number, number, number, number];
      return { symbol, interval, ts, open, high, low, close, volume, source: 'fixture', final: true, filled: false };
    });
  return { name, csv, bars, session, ref: JSON.parse(ref) as TalibReference };
}

export const FIXTURES: readonly Fixture[] = [
  load('eurusd-6e-1m', 'EURUSD', '1m', FX_SESSION, eurusdCsv, eurusdRef),
  load('nq-1m', 'NAS100', '1m', CME_SESSION, nqCsv, nqRef),
  load('xauusd-1d', 'XAUUSD', '1d', CME_SESSION, xauCsv, xauRef),
];

/** A TA-Lib output laid over the input's indices: null before its first value. */
export function aligned(ref: TalibReference, key: RefKey): (number | null)[] {
  const { begIndex, values } = ref.outputs[key];
  return Array.from({ length: ref.bars }, (_, i) => (i < begIndex ? null : (values[i - begIndex] ?? null)));
}

/** |actual − expected| ≤ 1e-9·max(|expected|, floor); floor keeps near-zero values honest. */
export function closeTo(actual: number | null, expected: number | null, floor = 0): boolean {
  if (actual === null || expected === null) return actual === expected;
  return Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(expected), floor);
}

/** The first index where `actual` misses `expected`, or −1; for readable failures. */
export function firstMismatch(actual: (number | null)[], expected: (number | null)[], floor = 0): number {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
  return expected.findIndex((e, i) => !closeTo(actual[i] ?? null, e, floor));
}

/** Mean close: the scale of price differences (MACD, momentum, ATR) for `closeTo`'s floor. */
export function priceScale(f: Fixture): number {
  return f.bars.reduce((a, b) => a + b.close, 0) / f.bars.length;
}

/** Feeds every input and collects an output after each one. */
export function collect<In, I extends { add(x: In): void }, Out>(ind: I, inputs: readonly In[], read: (i: I) => Out): Out[] {
  return inputs.map((x) => {
    ind.add(x);
    return read(ind);
  });
}
