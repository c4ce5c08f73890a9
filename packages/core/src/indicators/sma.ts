import { checkPeriod, checkSnapshot, restoreRing } from './errors';
import type { StreamingIndicator } from './indicator';
import { orNull } from './indicator';

export interface SmaState {
  kind: 'sma';
  period: number;
  count: number;
  head: number;
  sum: number;
  ring: number[];
}

/**
 * Simple moving average (TA-Lib SMA): mean of the last `period` values, first at period−1.
 *
 * A running sum drifts as values enter and leave it. Whenever the newest value lands in the
 * ring's last slot the window is ring[0..n−1] in time order, so the sum is rebuilt exactly
 * there: one extra addition per value on average, and the drift never spans more than one
 * window.
 */
export class Sma implements StreamingIndicator<number, number, SmaState> {
  readonly period: number;
  /** NaN until warm */
  value = Number.NaN;
  private readonly ring: Float64Array;
  private count = 0;
  private head = 0;
  private sum = 0;

  constructor(period: number) {
    this.period = checkPeriod('SMA period', period);
    this.ring = new Float64Array(this.period);
  }

  add(x: number): void {
    this.sum = this.step(x);
    this.ring[this.head] = x;
    this.head = this.head + 1 === this.period ? 0 : this.head + 1;
    this.count++;
  }

  replace(x: number): void {
    this.step(x);
  }

  /** The sum after `x` joins the committed window; sets `value`; writes no state. */
  private step(x: number): number {
    const n = this.period;
    const ring = this.ring;
    let sum: number;
    if (this.head === n - 1) {
      sum = 0;
      for (let i = 0; i < n - 1; i++) sum += ring[i]!;
      sum += x;
    } else if (this.count < n) {
      sum = this.sum + x;
    } else {
      sum = this.sum - ring[this.head]! + x;
    }
    this.value = this.count + 1 >= n ? sum / n : Number.NaN;
    return sum;
  }

  get result(): number | null {
    return orNull(this.value);
  }

  get isStable(): boolean {
    return this.value === this.value;
  }

  reset(): void {
    this.ring.fill(0);
    this.count = 0;
    this.head = 0;
    this.sum = 0;
    this.value = Number.NaN;
  }

  snapshot(): SmaState {
    const { period, count, head, sum } = this;
    return { kind: 'sma', period, count, head, sum, ring: Array.from(this.ring) };
  }

  restore(s: SmaState): void {
    checkSnapshot(s.kind === 'sma' && s.period === this.period, 'SMA');
    restoreRing(this.ring, s.ring, 'SMA');
    this.count = s.count;
    this.head = s.head;
    this.sum = s.sum;
    this.value = s.count >= this.period ? s.sum / this.period : Number.NaN;
  }
}
