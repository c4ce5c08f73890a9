import type { Bar } from '../src/types';

/**
 * The floor: all 8 indicators (EMA 9/21/50/200, volume SMA 20, BB 20/2, RSI 14, ATR 14,
 * MACD 12/26/9, MOM 10, VWAP) fused into one loop over plain locals, as the fastest
 * hand-written JS would do it. No forming bars, no snapshots, no drift control, naive
 * Σx² variance, VWAP reset by UTC day: a lower bound on the cost, not a correct engine.
 * Returns a checksum so the work cannot be optimised away.
 */
export function fusedFloor(bars: readonly Bar[]): number {
  const emaN = [9, 21, 50, 200];
  const emaK = emaN.map((n) => 2 / (n + 1));
  const ema = new Float64Array(4);
  const vol = new Float64Array(20);
  const bbRing = new Float64Array(20);
  const momRing = new Float64Array(11);
  let volSum = 0, bbSum = 0, bbSq = 0, gain = 0, loss = 0, atr = 0, prevClose = 0;
  let fast = 0, slow = 0, sig = 0, pv = 0, pvVol = 0, day = -1;
  let check = 0;
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    const c = b.close;
    for (let j = 0; j < 4; j++) {
      const n = emaN[j]!;
      if (i < n) ema[j] = ema[j]! + c / n;
      else ema[j] = (c - ema[j]!) * emaK[j]! + ema[j]!;
    }
    const slot = i % 20;
    volSum += b.volume - vol[slot]!;
    vol[slot] = b.volume;
    bbSum += c - bbRing[slot]!;
    bbSq += c * c - bbRing[slot]! * bbRing[slot]!;
    bbRing[slot] = c;
    const mean = bbSum / 20;
    const sd = Math.sqrt(Math.max(bbSq / 20 - mean * mean, 0));
    if (i > 0) {
      const d = c - prevClose;
      const g = d > 0 ? d : 0;
      const l = d < 0 ? -d : 0;
      if (i <= 14) { gain += g / 14; loss += l / 14; } else { gain = (gain * 13 + g) / 14; loss = (loss * 13 + l) / 14; }
      const tr = Math.max(b.high - b.low, Math.abs(b.high - prevClose), Math.abs(b.low - prevClose));
      atr = i <= 14 ? atr + tr / 14 : (atr * 13 + tr) / 14;
    }
    fast = i < 12 ? fast + c / 12 : (c - fast) * (2 / 13) + fast;
    slow = i < 26 ? slow + c / 26 : (c - slow) * (2 / 27) + slow;
    const line = fast - slow;
    sig = i < 34 ? sig + line / 9 : (line - sig) * 0.2 + sig;
    const mom = c - momRing[i % 11]!;
    momRing[i % 11] = c;
    const d = Math.floor(b.ts / 86_400_000);
    if (d !== day) { day = d; pv = 0; pvVol = 0; }
    pv += ((b.high + b.low + c) / 3) * b.volume;
    pvVol += b.volume;
    const rsi = gain + loss > 0 ? (100 * gain) / (gain + loss) : 0;
    check += ema[0]! + ema[3]! + volSum / 20 + mean + 2 * sd + rsi + atr + line - sig + mom + (pvVol > 0 ? pv / pvVol : 0);
    prevClose = c;
  }
  return check;
}
