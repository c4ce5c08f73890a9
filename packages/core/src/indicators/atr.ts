import type { Bar } from '../types';
import { checkPeriod, checkSnapshot } from './errors';
import type { StreamingIndicator } from './indicator';
import { orNull } from './indicator';

export type HighLowClose = Pick<Bar, 'high' | 'low' | 'close'>;

export interface AtrState {
  kind: 'atr';
  period: number;
  count: number;
  prevClose: number;
  acc: number;
}

/**
 * Average true range as TA-Lib computes it: TR = max(h−l, |h−c₋₁|, |l−c₋₁|) from bar 1 (bar 0
 * has no previous close), first ATR = mean of TR[1..n] at index n, then Wilder smoothing.
 * `acc` is the TR sum during the warm-up and the ATR afterwards.
 */
export class Atr implements StreamingIndicator<HighLowClose, number, AtrState> {
  readonly period: number;
  /** NaN until warm */
  value = Number.NaN;
  private count = 0;
  private prevClose = 0;
  private acc = 0;

  constructor(period: number) {
    this.period = checkPeriod('ATR period', period);
  }

  add(bar: HighLowClose): void {
    this.acc = this.step(bar.high, bar.low);
    this.prevClose = bar.close;
    this.count++;
  }

  replace(bar: HighLowClose): void {
    this.step(bar.high, bar.low);
  }

  private step(high: number, low: number): number {
    const n = this.period;
    const c = this.count;
    if (c === 0) {
      this.value = Number.NaN;
      return 0;
    }
    const pc = this.prevClose;
    // Math.max rather than TA-Lib's compare-and-assign: same value for finite inputs, no branches.
    const tr = Math.max(high - low, Math.abs(pc - high), Math.abs(pc - low));
    const acc = c > n ? (this.acc * (n - 1) + tr) / n : c === n ? (this.acc + tr) / n : this.acc + tr;
    this.value = c >= n ? acc : Number.NaN;
    return acc;
  }

  get result(): number | null {
    return orNull(this.value);
  }

  get isStable(): boolean {
    return this.value === this.value;
  }

  reset(): void {
    this.count = 0;
    this.prevClose = 0;
    this.acc = 0;
    this.value = Number.NaN;
  }

  snapshot(): AtrState {
    const { period, count, prevClose, acc } = this;
    return { kind: 'atr', period, count, prevClose, acc };
  }

  restore(s: AtrState): void {
    checkSnapshot(s.kind === 'atr' && s.period === this.period, 'ATR');
    this.count = s.count;
    this.prevClose = s.prevClose;
    this.acc = s.acc;
    this.value = s.count > this.period ? s.acc : Number.NaN;
  }
}
