import {
  atrRef, bollingerRef, emaRef, macdRef, momentumRef, rsiRef, smaRef, vwapRef,
} from '../../indicators/testing/batch-reference';
import type { SessionSpec } from '../../session';
import type { Bar, FeaturePeriods, Features } from '../../types';

/** What each bar's Features must hold, from the array-at-a-time references (not the engine). */
export function referenceFeatures(bars: Bar[], session: SessionSpec, p: FeaturePeriods): Omit<Features, 'computedAt'>[] {
  const close = bars.map((b) => b.close);
  const emas = p.ema.map((n) => [String(n), emaRef(close, n)] as const);
  const volumeMa = smaRef(bars.map((b) => b.volume), p.volumeMa);
  const bb = bollingerRef(close, p.bb[0], p.bb[1]);
  const rsi = rsiRef(close, p.rsi);
  const atr = atrRef(bars, p.atr);
  const macd = macdRef(close, ...p.macd);
  const momentum = momentumRef(close, p.momentum);
  const vwap = vwapRef(bars, session);
  return bars.map((b, i) => {
    const f = {
      symbol: b.symbol, interval: b.interval, ts: b.ts, final: b.final, close: b.close, defs: 'talib' as const,
      ema: Object.fromEntries(emas.map(([k, s]) => [k, s[i]!])),
      rsi: rsi[i]!, atr: atr[i]!, momentum: momentum[i]!, volumeMa: volumeMa[i]!, vwap: vwap[i]!,
      bb: { middle: bb.middle[i]!, upper: bb.upper[i]!, lower: bb.lower[i]!, bandwidth: bb.bandwidth[i]!, percentB: bb.percentB[i]! },
      macd: { macd: macd.macd[i]!, signal: macd.signal[i]!, histogram: macd.histogram[i]! },
      periods: p,
    };
    const warm = [...Object.values(f.ema), f.rsi, f.atr, f.momentum, f.volumeMa, f.bb.middle, f.macd.macd].every((v) => v !== null);
    return { ...f, warm };
  });
}

/**
 * Differences between a payload and its reference, as "path: actual vs expected" lines.
 * Levels (EMA, bands, VWAP) to 1e-9 relative; differences of prices (MACD, MOM, ATR) with a
 * floor of 1e-4 of the price scale; RSI with a floor of 1 (its 0–100 range); volume MA with
 * 1e-4 of the mean volume; bandwidth to 1e-6. %B divides by the band width, so the bands'
 * own 1e-9 relative tolerance grows by middle/width: %B is compared to 1e-6 plus that, and not
 * at all where that exceeds 1 (bands closer than ~1e-9 of the price: %B is not determined at
 * that precision, and the engine may say null). Exactly flat bands must give null.
 */
export function featureDiffs(a: Features, e: Omit<Features, 'computedAt'>, priceScale: number, volumeScale: number): string[] {
  const out: string[] = [];
  const check = (path: string, x: number | null, y: number | null, floor: number, rel = 1e-9) => {
    const ok = x === null || y === null ? x === y : Math.abs(x - y) <= rel * Math.max(Math.abs(y), floor);
    if (!ok) out.push(`${path}: ${x} vs ${y}`);
  };
  const diff = priceScale * 1e-4;
  for (const k of Object.keys(e.ema)) check(`ema.${k}`, a.ema[k] ?? null, e.ema[k] ?? null, 0);
  check('rsi', a.rsi, e.rsi, 1);
  check('atr', a.atr, e.atr, diff);
  check('momentum', a.momentum, e.momentum, diff);
  check('volumeMa', a.volumeMa, e.volumeMa, volumeScale * 1e-4);
  check('vwap', a.vwap, e.vwap, 0);
  check('bb.middle', a.bb.middle, e.bb.middle, 0);
  check('bb.upper', a.bb.upper, e.bb.upper, 0);
  check('bb.lower', a.bb.lower, e.bb.lower, 0);
  check('bb.bandwidth', a.bb.bandwidth, e.bb.bandwidth, 1, 1e-6);
  checkPercentB(a.bb.percentB, e.bb, out);
  check('macd.macd', a.macd.macd, e.macd.macd, diff);
  check('macd.signal', a.macd.signal, e.macd.signal, diff);
  check('macd.histogram', a.macd.histogram, e.macd.histogram, diff);
  for (const key of ['symbol', 'interval', 'ts', 'final', 'close', 'defs', 'warm'] as const) {
    if (a[key] !== e[key]) out.push(`${key}: ${String(a[key])} vs ${String(e[key])}`);
  }
  if (JSON.stringify(a.periods) !== JSON.stringify(e.periods)) out.push('periods differ');
  return out;
}


function checkPercentB(actual: number | null, e: Features['bb'], out: string[]): void {
  const { percentB: want, upper, lower, middle } = e;
  if (want === null || upper === null || lower === null || middle === null) {
    if (actual !== want) out.push(`bb.percentB: ${actual} vs ${want}`);
    return;
  }
  const slack = 1e-6 + (2e-9 * Math.abs(middle)) / (upper - lower);
  if (slack > 1) return;
  if (actual === null || Math.abs(actual - want) > slack) out.push(`bb.percentB: ${actual} vs ${want} (±${slack})`);
}
