import { checkPeriod, checkSnapshot } from './errors';
import type { StreamingIndicator } from './indicator';
import { orNull } from './indicator';

export interface RsiState {
  kind: 'rsi';
  period: number;
  count: number;
  prev: number;
  gain: number;
  loss: number;
}

/**
 * Wilder's RSI as TA-Lib computes it: the first average gain/loss is the mean of the first n
 * changes (value at index n), then avg = (avg·(n−1) + x)/n. 0 when there is neither gain nor
 * loss. `gain`/`loss` are sums during the warm-up and averages afterwards.
 */
export class Rsi implements StreamingIndicator<number, number, RsiState> {
  readonly period: number;
  /** NaN until warm */
  value = Number.NaN;
  private count = 0;
  private prev = 0;
  private gain = 0;
  private loss = 0;
  // Tentative gain/loss from the last step; add commits them.
  private nextGain = 0;
  private nextLoss = 0;

  constructor(period: number) {
    this.period = checkPeriod('RSI period', period);
  }

  add(x: number): void {
    this.step(x);
    this.gain = this.nextGain;
    this.loss = this.nextLoss;
    this.prev = x;
    this.count++;
  }

  replace(x: number): void {
    this.step(x);
  }

  private step(x: number): void {
    const n = this.period;
    const c = this.count;
    if (c === 0) {
      this.nextGain = 0;
      this.nextLoss = 0;
      this.value = Number.NaN;
      return;
    }
    const d = x - this.prev;
    // Selects, not an if/else on the sign: the sign of price changes is a coin flip to the
    // branch predictor. Adding 0 or −d gives TA-Lib's `gain += d` / `loss -= d` bit for bit.
    let g = (c > n ? this.gain * (n - 1) : this.gain) + (d > 0 ? d : 0);
    let l = (c > n ? this.loss * (n - 1) : this.loss) + (d < 0 ? -d : 0);
    if (c >= n) {
      g /= n;
      l /= n;
    }
    this.nextGain = g;
    this.nextLoss = l;
    this.value = c >= n ? rsiOf(g, l) : Number.NaN;
  }

  get result(): number | null {
    return orNull(this.value);
  }

  get isStable(): boolean {
    return this.value === this.value;
  }

  reset(): void {
    this.count = 0;
    this.prev = 0;
    this.gain = 0;
    this.loss = 0;
    this.value = Number.NaN;
  }

  snapshot(): RsiState {
    const { period, count, prev, gain, loss } = this;
    return { kind: 'rsi', period, count, prev, gain, loss };
  }

  restore(s: RsiState): void {
    checkSnapshot(s.kind === 'rsi' && s.period === this.period, 'RSI');
    this.count = s.count;
    this.prev = s.prev;
    this.gain = s.gain;
    this.loss = s.loss;
    this.value = s.count > this.period ? rsiOf(s.gain, s.loss) : Number.NaN;
  }
}

function rsiOf(gain: number, loss: number): number {
  const total = gain + loss;
  return total !== 0 ? 100 * (gain / total) : 0;
}
