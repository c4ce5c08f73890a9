import type { BollingerValue } from '../types';
import { IndicatorError, checkPeriod, checkSnapshot, restoreRing } from './errors';
import type { StreamingIndicator } from './indicator';
import { orNull } from './indicator';

export interface BollingerState {
  kind: 'bollinger';
  period: number;
  multiplier: number;
  count: number;
  head: number;
  shift: number;
  s1: number;
  s2: number;
  run: number;
  ring: number[];
}

/** Below this share of the mean square the variance is rounding noise, not spread. */
const NOISE = 64 * Number.EPSILON;
/**
 * Re-centre when the shift is this far from the window mean (m1² / σ²): past it the
 * cancellation in m2 − m1² costs more than 16 of the 52 mantissa bits (σ error > ~1e−11).
 */
const RECENTER = 65_536;

/**
 * Bollinger bands (TA-Lib BBANDS, matype SMA): middle = SMA(n), σ = population stdev,
 * bands = middle ± m·σ; bandwidth = (upper − lower)/middle; %B = (close − lower)/(upper −
 * lower), null when the bands coincide.
 *
 * σ from running Σx and Σx² cancels catastrophically (EURUSD: mean² ≈ 1.2, σ² ≈ 1e−8), so the
 * sums are of x − shift, with shift ≈ the window mean, and rebuilt exactly (two passes) each
 * time the ring's last slot is written, when the window is ring[0..n−1] in time order.
 * Rounding left in the sums by values that have since left the window can exceed a flat
 * window's (zero) variance, so flatness is tracked exactly instead: `run` counts the trailing
 * equal values, and n of them give middle = upper = lower = the value and a null %B, as the
 * definition says. After a jump the shift is far from the new window mean and the running
 * variance would be mostly cancellation; then the sums are rebuilt exactly at that step
 * (n multiply-adds, rare). A variance still below the sums' rounding noise is taken as 0.
 */
export class Bollinger implements StreamingIndicator<number, BollingerValue, BollingerState> {
  readonly period: number;
  readonly multiplier: number;
  /** NaN until warm (bandwidth and percentB also NaN when undefined) */
  middle = Number.NaN;
  upper = Number.NaN;
  lower = Number.NaN;
  bandwidth = Number.NaN;
  percentB = Number.NaN;
  private readonly ring: Float64Array;
  private count = 0;
  private head = 0;
  private shift = 0;
  private s1 = 0;
  private s2 = 0;
  private run = 0;
  // Tentative sums from the last step; add commits them.
  private nextShift = 0;
  private nextS1 = 0;
  private nextS2 = 0;
  private nextRun = 0;

  constructor(period: number, multiplier: number) {
    this.period = checkPeriod('Bollinger period', period);
    if (!(multiplier >= 0 && Number.isFinite(multiplier))) {
      throw new IndicatorError('invalid_period', `Bollinger multiplier must be finite and >= 0, got ${multiplier}`);
    }
    this.multiplier = multiplier;
    this.ring = new Float64Array(this.period);
  }

  add(x: number): void {
    this.step(x);
    this.shift = this.nextShift;
    this.s1 = this.nextS1;
    this.s2 = this.nextS2;
    this.run = this.nextRun;
    this.ring[this.head] = x;
    this.head = this.head + 1 === this.period ? 0 : this.head + 1;
    this.count++;
  }

  replace(x: number): void {
    this.step(x);
  }

  private step(x: number): void {
    const n = this.period;
    const last = this.ring[this.head === 0 ? n - 1 : this.head - 1]!;
    this.nextRun = this.count > 0 && x === last ? this.run + 1 : 1;
    const rebuilt = this.head === n - 1;
    if (rebuilt) {
      this.exact(x);
    } else {
      const shift = this.count === 0 ? x : this.shift;
      const d = x - shift;
      let s1 = this.s1 + d;
      let s2 = this.s2 + d * d;
      if (this.count >= n) {
        const o = this.ring[this.head]! - shift;
        s1 -= o;
        s2 -= o * o;
      }
      this.nextShift = shift;
      this.nextS1 = s1;
      this.nextS2 = s2;
    }
    if (this.count + 1 >= n) {
      const flat = this.nextRun >= n;
      if (!this.emit(this.nextShift, this.nextS1, this.nextS2, x, flat, !rebuilt)) {
        this.exact(x);
        this.emit(this.nextShift, this.nextS1, this.nextS2, x, flat, false);
      }
    }
    else this.middle = this.upper = this.lower = this.bandwidth = this.percentB = Number.NaN;
  }

  /**
   * Rebuilds the sums around the window mean from the ring (every slot but `head`, which
   * holds the value leaving the window, or is still empty) and x.
   */
  private exact(x: number): void {
    const ring = this.ring;
    const skip = this.head;
    let sum = 0;
    for (let i = 0; i < this.period; i++) if (i !== skip) sum += ring[i]!;
    const shift = (sum + x) / this.period;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < this.period; i++) {
      if (i === skip) continue;
      const d = ring[i]! - shift;
      s1 += d;
      s2 += d * d;
    }
    const d = x - shift;
    this.nextShift = shift;
    this.nextS1 = s1 + d;
    this.nextS2 = s2 + d * d;
  }

  /**
   * Publishes the bands from the sums. With `recenter`, refuses (returns false) when the sums
   * are mostly cancellation, so the caller can rebuild them exactly and publish again.
   */
  private emit(shift: number, s1: number, s2: number, close: number, flat: boolean, recenter: boolean): boolean {
    const n = this.period;
    const m1 = s1 / n;
    const m2 = s2 / n;
    const variance = m2 - m1 * m1;
    if (recenter && !flat && (!(variance > m2 * NOISE) || m1 * m1 > variance * RECENTER)) return false;
    const sd = !flat && variance > m2 * NOISE ? Math.sqrt(variance) : 0;
    const middle = flat ? close : shift + m1;
    const upper = middle + this.multiplier * sd;
    const lower = middle - this.multiplier * sd;
    this.middle = middle;
    this.upper = upper;
    this.lower = lower;
    this.bandwidth = middle !== 0 ? (upper - lower) / middle : Number.NaN;
    this.percentB = upper !== lower ? (close - lower) / (upper - lower) : Number.NaN;
    return true;
  }

  get result(): BollingerValue | null {
    if (this.middle !== this.middle) return null;
    return {
      middle: this.middle,
      upper: this.upper,
      lower: this.lower,
      bandwidth: orNull(this.bandwidth),
      percentB: orNull(this.percentB),
    };
  }

  get isStable(): boolean {
    return this.middle === this.middle;
  }

  reset(): void {
    this.ring.fill(0);
    this.count = this.head = 0;
    this.shift = this.s1 = this.s2 = this.run = 0;
    this.middle = this.upper = this.lower = this.bandwidth = this.percentB = Number.NaN;
  }

  snapshot(): BollingerState {
    const { period, multiplier, count, head, shift, s1, s2, run } = this;
    return { kind: 'bollinger', period, multiplier, count, head, shift, s1, s2, run, ring: Array.from(this.ring) };
  }

  restore(s: BollingerState): void {
    checkSnapshot(s.kind === 'bollinger' && s.period === this.period && s.multiplier === this.multiplier, 'Bollinger');
    restoreRing(this.ring, s.ring, 'Bollinger');
    this.count = s.count;
    this.head = s.head;
    this.shift = s.shift;
    this.s1 = s.s1;
    this.s2 = s.s2;
    this.run = s.run;
    const n = this.period;
    if (s.count >= n) this.emit(s.shift, s.s1, s.s2, this.ring[(s.head + n - 1) % n]!, s.run >= n, false);
    else this.middle = this.upper = this.lower = this.bandwidth = this.percentB = Number.NaN;
  }
}
