import { readFileSync } from 'node:fs';
import { DEFAULT_SYMBOL_SPECS, type Bar, type Interval, type SymbolSpec } from '@marketpipe/core';

/** The repo's real NQ fixtures (packages/core/test-fixtures, origin in its README). */
const fixture = (name: string) => readFileSync(new URL(`../../../packages/core/test-fixtures/${name}`, import.meta.url), 'utf8');

export const NAS100: SymbolSpec = DEFAULT_SYMBOL_SPECS.find((s) => s.symbol === 'NAS100')!;

export function parseBars(csv: string, interval: Interval, symbol = 'NAS100'): Bar[] {
  return csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [ts, open, high, low, close, volume] = line.split(',').map(Number) as [number, number, number, number, number, number];
      return { symbol, interval, ts, open, high, low, close, volume, source: 'firstrate', final: true, filled: false };
    });
}

/** Two weeks of real NQ 1m bars (CME session: NAS100's). */
export const nq1m = (): Bar[] => parseBars(fixture('nq-1m-full.csv'), '1m');

export interface TalibReference {
  bars: number;
  outputs: Record<string, { begIndex: number; values: number[] }>;
}

/** The same minutes resampled by tools/talib-ref (independently), and TA-Lib's outputs over them. */
export function nqResampled(interval: '5m' | '1h'): { bars: Bar[]; ref: TalibReference } {
  return { bars: parseBars(fixture(`nq-${interval}.csv`), interval), ref: JSON.parse(fixture(`nq-${interval}.talib.json`)) as TalibReference };
}

/** A TA-Lib output laid over its input's indices (null before the first value). */
export function aligned(ref: TalibReference, key: string): (number | null)[] {
  const { begIndex, values } = ref.outputs[key]!;
  return Array.from({ length: ref.bars }, (_, i) => (i < begIndex ? null : (values[i - begIndex] ?? null)));
}

/** |a − e| ≤ 1e-9·max(|e|, floor). */
export function closeTo(actual: number | null, expected: number | null, floor = 0): boolean {
  if (actual === null || expected === null) return actual === expected;
  return Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(expected), floor);
}
