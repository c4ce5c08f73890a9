import * as ti from 'technicalindicators';
import { ATR, BollingerBands, EMA, MACD, MOM, RSI, SMA, VWAP } from 'trading-signals';
import type { Bar } from '../src/types';

/** trading-signals' streaming classes doing the same 8 updates per bar (no session reset). */
export function tradingSignals(bars: readonly Bar[]): number {
  const emas = [9, 21, 50, 200].map((n) => new EMA(n));
  const volumeMa = new SMA(20);
  const bb = new BollingerBands(20, 2);
  const rsi = new RSI(14);
  const atr = new ATR(14);
  const macd = new MACD(new EMA(12), new EMA(26), new EMA(9));
  const mom = new MOM(10);
  const vwap = new VWAP();
  let check = 0;
  for (const b of bars) {
    for (const e of emas) e.add(b.close);
    volumeMa.add(b.volume);
    bb.add(b.close);
    rsi.add(b.close);
    atr.add(b);
    macd.add(b.close);
    mom.add(b.close);
    vwap.add(b);
    check += rsi.getResult() ?? 0;
  }
  return check;
}

/**
 * What a stateless service does on each new bar: recompute all 8 over the last `window`
 * bars with technicalindicators (which has no MOM: ROC, the same O(n) pass, stands in).
 */
export function technicalIndicatorsRecompute(bars: readonly Bar[]): number {
  const close = bars.map((b) => b.close);
  const high = bars.map((b) => b.high);
  const low = bars.map((b) => b.low);
  const volume = bars.map((b) => b.volume);
  let check = 0;
  for (const period of [9, 21, 50, 200]) check += ti.EMA.calculate({ period, values: close }).length;
  check += ti.SMA.calculate({ period: 20, values: volume }).length;
  check += ti.BollingerBands.calculate({ period: 20, stdDev: 2, values: close }).length;
  check += ti.RSI.calculate({ period: 14, values: close }).length;
  check += ti.ATR.calculate({ period: 14, high, low, close }).length;
  check += ti.MACD.calculate({ fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, values: close, SimpleMAOscillator: false, SimpleMASignal: false }).length;
  check += ti.ROC.calculate({ period: 10, values: close }).length;
  check += ti.VWAP.calculate({ high, low, close, volume }).length;
  return check;
}
