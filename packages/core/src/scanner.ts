import type { Features, Signal, SignalSide } from './types';

export interface ScannerOptions {
  /** |weighted vote| at or above this gives a long or short signal; below it, flat */
  threshold?: number;
  /** stop and target distances in ATRs */
  stopAtr?: number;
  targetAtr?: number;
  /** Bollinger bandwidth below this is reported as a squeeze */
  squeezeBandwidth?: number;
}

const NO_OPTIONS: ScannerOptions = {};

/**
 * A transparent, rule-based scanner over one Features snapshot: trend (EMA 9/21/50 stacked),
 * regime (close vs EMA 200), momentum (MACD), RSI zone and VWAP side each vote between −1
 * and +1; the weighted sum (weights add to 1) is the signal's direction and its magnitude
 * the score. Stop and target are ATR multiples (1.5 and 3 by default: 2:1 reward to risk).
 * Every vote that counted is named in `reasons`, so a bot can filter on them.
 *
 * It runs for every symbol and timeframe each second, so the votes are plain numbers and the
 * only objects built are the signal and its reasons.
 */
export function scan(f: Features, computedAt: number, opts: ScannerOptions = NO_OPTIONS): Signal {
  const threshold = opts.threshold ?? 0.35;
  if (!f.warm) {
    return { symbol: f.symbol, price: f.close, ts: f.ts, computedAt, side: 'flat', score: 0, reasons: ['warming_up'], stop: null, target: null };
  }
  // By number: f.ema[9] is f.ema['9'], read without converting a string key to an index.
  const periods = f.periods.ema;
  const n = periods.length;
  const longest = n > 0 ? (f.ema[periods[n - 1]!] ?? null) : null;
  const close = f.close;
  const { macd, signal, histogram } = f.macd;
  const rsi = f.rsi ?? 50;
  const trend = n < 3 ? 0 : stacked(f.ema[periods[0]!], f.ema[periods[1]!], f.ema[periods[2]!]);
  const regime = longest === null ? 0 : Math.sign(close - longest);
  const momentum =
    histogram === null || macd === null || signal === null ? 0 : Math.sign(histogram) * (Math.sign(macd) === Math.sign(histogram) ? 1 : 0.5);
  // RSI 55–70 leans long, 30–45 short; beyond 70 / below 30 the move is stretched: lean against it (and say so)
  const stretched = rsi >= 70 ? 'rsi_overbought' : rsi <= 30 ? 'rsi_oversold' : null;
  const zone = rsi >= 70 ? -0.5 : rsi <= 30 ? 0.5 : rsi > 55 ? 1 : rsi < 45 ? -1 : 0;
  const vwap = f.vwap === null ? 0 : Math.sign(close - f.vwap);
  // weights 0.3 + 0.15 + 0.25 + 0.15 + 0.15, summed in this order from 0 (as a reduce over vote objects did: same bits)
  const total = 0 + 0.3 * trend + 0.15 * regime + 0.25 * momentum + 0.15 * zone + 0.15 * vwap;
  const side: SignalSide = total >= threshold ? 'long' : total <= -threshold ? 'short' : 'flat';

  const r0 = reason(trend, 'ema_trend_up', 'ema_trend_down');
  const r1 = reason(regime, 'above_long_ema', 'below_long_ema');
  const r2 = reason(momentum, 'macd_bullish', 'macd_bearish');
  const r3 = stretched ?? reason(zone, 'rsi_bullish', 'rsi_bearish');
  const r4 = reason(vwap, 'above_vwap', 'below_vwap');
  const squeeze = f.bb.bandwidth !== null && f.bb.bandwidth < (opts.squeezeBandwidth ?? 0.001);
  // sized up front: pushing onto [] would give it room for 17
  const reasons = new Array<string>(
    (r0 === null ? 0 : 1) + (r1 === null ? 0 : 1) + (r2 === null ? 0 : 1) + (r3 === null ? 0 : 1) + (r4 === null ? 0 : 1) + (squeeze ? 1 : 0),
  );
  let i = 0;
  if (r0 !== null) reasons[i++] = r0;
  if (r1 !== null) reasons[i++] = r1;
  if (r2 !== null) reasons[i++] = r2;
  if (r3 !== null) reasons[i++] = r3;
  if (r4 !== null) reasons[i++] = r4;
  if (squeeze) reasons[i++] = 'bb_squeeze';

  const atr = f.atr ?? 0;
  const dir = side === 'long' ? 1 : side === 'short' ? -1 : 0;
  return {
    symbol: f.symbol,
    price: close,
    ts: f.ts,
    computedAt,
    side,
    score: Math.round(Math.min(1, Math.abs(total)) * 1000) / 1000,
    reasons,
    stop: dir === 0 || atr <= 0 ? null : close - dir * (opts.stopAtr ?? 1.5) * atr,
    target: dir === 0 || atr <= 0 ? null : close + dir * (opts.targetAtr ?? 3) * atr,
  };
}

function reason(value: number, up: string, down: string): string | null {
  return value > 0 ? up : value < 0 ? down : null;
}

function stacked(a: number | null | undefined, b: number | null | undefined, c: number | null | undefined): number {
  if (a == null || b == null || c == null) return 0;
  if (a > b && b > c) return 1;
  if (a < b && b < c) return -1;
  return 0;
}
