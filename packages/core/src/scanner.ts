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

interface Vote {
  weight: number;
  /** −1 (short) … +1 (long) */
  value: number;
  reason: string | null;
}

const vote = (weight: number, value: number, up: string, down: string): Vote => ({
  weight,
  value,
  reason: value > 0 ? up : value < 0 ? down : null,
});

/**
 * A transparent, rule-based scanner over one Features snapshot: trend (EMA 9/21/50 stacked),
 * regime (close vs EMA 200), momentum (MACD), RSI zone and VWAP side each vote between −1
 * and +1; the weighted sum (weights add to 1) is the signal's direction and its magnitude
 * the score. Stop and target are ATR multiples (1.5 and 3 by default: 2:1 reward to risk).
 * Every vote that counted is named in `reasons`, so a bot can filter on them.
 */
export function scan(f: Features, computedAt: number, opts: ScannerOptions = {}): Signal {
  const threshold = opts.threshold ?? 0.35;
  const base = { symbol: f.symbol, price: f.close, ts: f.ts, computedAt };
  if (!f.warm) return { ...base, side: 'flat', score: 0, reasons: ['warming_up'], stop: null, target: null };

  const emas = f.periods.ema.map((p) => f.ema[String(p)] ?? null);
  const [fast, mid, slow] = emas;
  const longest = emas.at(-1) ?? null;
  const { macd, signal, histogram } = f.macd;
  const rsi = f.rsi ?? 50;
  const votes: Vote[] = [
    vote(0.3, stacked(fast, mid, slow), 'ema_trend_up', 'ema_trend_down'),
    vote(0.15, longest === null ? 0 : Math.sign(f.close - longest), 'above_long_ema', 'below_long_ema'),
    vote(
      0.25,
      histogram === null || macd === null || signal === null ? 0 : Math.sign(histogram) * (Math.sign(macd) === Math.sign(histogram) ? 1 : 0.5),
      'macd_bullish',
      'macd_bearish',
    ),
    rsiVote(rsi),
    vote(0.15, f.vwap === null ? 0 : Math.sign(f.close - f.vwap), 'above_vwap', 'below_vwap'),
  ];
  const total = votes.reduce((s, v) => s + v.weight * v.value, 0);
  const side: SignalSide = total >= threshold ? 'long' : total <= -threshold ? 'short' : 'flat';
  const reasons = votes.flatMap((v) => (v.reason ? [v.reason] : []));
  if (f.bb.bandwidth !== null && f.bb.bandwidth < (opts.squeezeBandwidth ?? 0.001)) reasons.push('bb_squeeze');
  const atr = f.atr ?? 0;
  const dir = side === 'long' ? 1 : side === 'short' ? -1 : 0;
  return {
    ...base,
    side,
    score: Math.round(Math.min(1, Math.abs(total)) * 1000) / 1000,
    reasons,
    stop: dir === 0 || atr <= 0 ? null : f.close - dir * (opts.stopAtr ?? 1.5) * atr,
    target: dir === 0 || atr <= 0 ? null : f.close + dir * (opts.targetAtr ?? 3) * atr,
  };
}

function stacked(a: number | null | undefined, b: number | null | undefined, c: number | null | undefined): number {
  if (a == null || b == null || c == null) return 0;
  if (a > b && b > c) return 1;
  if (a < b && b < c) return -1;
  return 0;
}

/** RSI 55–70 leans long, 30–45 short; beyond 70 / below 30 the move is stretched: lean against it. */
function rsiVote(rsi: number): Vote {
  if (rsi >= 70) return { weight: 0.15, value: -0.5, reason: 'rsi_overbought' };
  if (rsi <= 30) return { weight: 0.15, value: 0.5, reason: 'rsi_oversold' };
  return vote(0.15, rsi > 55 ? 1 : rsi < 45 ? -1 : 0, 'rsi_bullish', 'rsi_bearish');
}
