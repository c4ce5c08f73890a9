import type { MacdValue } from '../types';
import { IndicatorError, checkPeriod, checkSnapshot } from './errors';
import type { StreamingIndicator } from './indicator';
import { orNull } from './indicator';

export interface MacdState {
  kind: 'macd';
  periods: [number, number, number];
  count: number;
  fast: number;
  slow: number;
  signal: number;
}

/**
 * MACD with TA-Lib's alignment (docs/architecture.md §3): both EMAs start at index slow−1, the slow one
 * seeded with the SMA of close[0..slow−1], the fast one with the SMA of the `fast` closes
 * ending there (not run from index fast−1, as a plain EMA would be); the signal is an EMA of
 * the MACD line seeded with the SMA of its first `signal` values. All three outputs appear
 * together, at index slow + signal − 2 (33 for 12/26/9). Each accumulator is a sum during
 * its warm-up and the average afterwards.
 */
export class Macd implements StreamingIndicator<number, MacdValue, MacdState> {
  readonly fastPeriod: number;
  readonly slowPeriod: number;
  readonly signalPeriod: number;
  /** NaN until warm */
  macd = Number.NaN;
  signal = Number.NaN;
  histogram = Number.NaN;
  private readonly kFast: number;
  private readonly kSlow: number;
  private readonly kSignal: number;
  private count = 0;
  private fast = 0;
  private slow = 0;
  private sig = 0;
  // Tentative accumulators from the last step; add commits them.
  private nextFast = 0;
  private nextSlow = 0;
  private nextSig = 0;

  constructor(fast: number, slow: number, signal: number) {
    this.fastPeriod = checkPeriod('MACD fast period', fast);
    this.slowPeriod = checkPeriod('MACD slow period', slow, 2);
    this.signalPeriod = checkPeriod('MACD signal period', signal);
    if (fast >= slow) throw new IndicatorError('invalid_period', `MACD fast (${fast}) must be < slow (${slow})`);
    this.kFast = 2 / (fast + 1);
    this.kSlow = 2 / (slow + 1);
    this.kSignal = 2 / (signal + 1);
  }

  add(x: number): void {
    this.step(x);
    this.fast = this.nextFast;
    this.slow = this.nextSlow;
    this.sig = this.nextSig;
    this.count++;
  }

  replace(x: number): void {
    this.step(x);
  }

  private step(x: number): void {
    const i = this.count;
    const seed = this.slowPeriod - 1;
    const fastFrom = seed - this.fastPeriod + 1;
    this.nextSlow = ema(this.slow, x, i, seed, this.slowPeriod, this.kSlow);
    this.nextFast = i < fastFrom ? 0 : ema(this.fast, x, i - fastFrom, this.fastPeriod - 1, this.fastPeriod, this.kFast);
    if (i < seed) {
      this.nextSig = 0;
      this.macd = this.signal = this.histogram = Number.NaN;
      return;
    }
    const line = this.nextFast - this.nextSlow;
    const j = i - seed;
    this.nextSig = ema(this.sig, line, j, this.signalPeriod - 1, this.signalPeriod, this.kSignal);
    if (j < this.signalPeriod - 1) {
      this.macd = this.signal = this.histogram = Number.NaN;
      return;
    }
    this.macd = line;
    this.signal = this.nextSig;
    this.histogram = line - this.nextSig;
  }

  get result(): MacdValue | null {
    if (this.macd !== this.macd) return null;
    return { macd: orNull(this.macd), signal: orNull(this.signal), histogram: orNull(this.histogram) };
  }

  get isStable(): boolean {
    return this.macd === this.macd;
  }

  reset(): void {
    this.count = 0;
    this.fast = this.slow = this.sig = 0;
    this.macd = this.signal = this.histogram = Number.NaN;
  }

  snapshot(): MacdState {
    const periods: [number, number, number] = [this.fastPeriod, this.slowPeriod, this.signalPeriod];
    return { kind: 'macd', periods, count: this.count, fast: this.fast, slow: this.slow, signal: this.sig };
  }

  restore(s: MacdState): void {
    const [f, sl, sg] = s.periods;
    checkSnapshot(s.kind === 'macd' && f === this.fastPeriod && sl === this.slowPeriod && sg === this.signalPeriod, 'MACD');
    this.count = s.count;
    this.fast = s.fast;
    this.slow = s.slow;
    this.sig = s.signal;
    const warm = s.count >= this.slowPeriod + this.signalPeriod - 1;
    this.macd = warm ? s.fast - s.slow : Number.NaN;
    this.signal = warm ? s.signal : Number.NaN;
    this.histogram = warm ? this.macd - s.signal : Number.NaN;
  }
}

/** One EMA step where the value has index `i` in its own series and the seed lands at `seed`. */
function ema(acc: number, x: number, i: number, seed: number, n: number, k: number): number {
  if (i > seed) return (x - acc) * k + acc;
  return i === seed ? (acc + x) / n : acc + x;
}
