import { checkPeriod, checkSnapshot } from './errors';
import type { StreamingIndicator } from './indicator';
import { orNull } from './indicator';

export interface EmaState {
  kind: 'ema';
  period: number;
  count: number;
  acc: number;
}

/**
 * Exponential moving average as TA-Lib computes it: k = 2/(n+1), seeded with the SMA of the
 * first n values, so the first value is at index n−1. `acc` holds the running sum during the
 * warm-up and the average afterwards: one number of state.
 */
export class Ema implements StreamingIndicator<number, number, EmaState> {
  readonly period: number;
  readonly k: number;
  /** NaN until warm */
  value = Number.NaN;
  private count = 0;
  private acc = 0;

  constructor(period: number) {
    this.period = checkPeriod('EMA period', period);
    this.k = 2 / (this.period + 1);
  }

  add(x: number): void {
    this.acc = this.step(x);
    this.count++;
  }

  replace(x: number): void {
    this.step(x);
  }

  private step(x: number): number {
    const n = this.period;
    const c = this.count;
    // Same operation order as TA-Lib's ta_EMA.c, so results agree to the last bits.
    const acc = c >= n ? (x - this.acc) * this.k + this.acc : c === n - 1 ? (this.acc + x) / n : this.acc + x;
    this.value = c >= n - 1 ? acc : Number.NaN;
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
    this.acc = 0;
    this.value = Number.NaN;
  }

  snapshot(): EmaState {
    return { kind: 'ema', period: this.period, count: this.count, acc: this.acc };
  }

  restore(s: EmaState): void {
    checkSnapshot(s.kind === 'ema' && s.period === this.period, 'EMA');
    this.count = s.count;
    this.acc = s.acc;
    this.value = s.count >= this.period ? s.acc : Number.NaN;
  }
}
