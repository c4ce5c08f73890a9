import type { FeaturePeriods } from '../types';
import { FeatureEngineError } from './errors';

export const DEFAULT_PERIODS: Readonly<FeaturePeriods> = deepFreeze({
  ema: [9, 21, 50, 200],
  rsi: 14,
  atr: 14,
  momentum: 10,
  volumeMa: 20,
  bb: [20, 2],
  macd: [12, 26, 9],
});

/**
 * Defaults filled in, checked, and frozen: every Features payload of an engine shares this
 * one object instead of building a new one per update.
 */
export function resolvePeriods(given: Partial<FeaturePeriods> = {}): Readonly<FeaturePeriods> {
  const p: FeaturePeriods = {
    ema: [...(given.ema ?? DEFAULT_PERIODS.ema)],
    rsi: given.rsi ?? DEFAULT_PERIODS.rsi,
    atr: given.atr ?? DEFAULT_PERIODS.atr,
    momentum: given.momentum ?? DEFAULT_PERIODS.momentum,
    volumeMa: given.volumeMa ?? DEFAULT_PERIODS.volumeMa,
    bb: [...(given.bb ?? DEFAULT_PERIODS.bb)],
    macd: [...(given.macd ?? DEFAULT_PERIODS.macd)],
  };
  // Feature keys are the EMA periods: a repeated one would overwrite its twin.
  if (new Set(p.ema).size !== p.ema.length) {
    throw new FeatureEngineError('invalid_options', `EMA periods must be distinct, got ${p.ema.join(',')}`);
  }
  return deepFreeze(p);
}

export function samePeriods(a: FeaturePeriods, b: FeaturePeriods): boolean {
  const eq = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return (
    eq(a.ema, b.ema) && eq(a.bb, b.bb) && eq(a.macd, b.macd) &&
    a.rsi === b.rsi && a.atr === b.atr && a.momentum === b.momentum && a.volumeMa === b.volumeMa
  );
}

function deepFreeze<T extends FeaturePeriods>(p: T): T {
  Object.freeze(p.ema);
  Object.freeze(p.bb);
  Object.freeze(p.macd);
  return Object.freeze(p);
}
