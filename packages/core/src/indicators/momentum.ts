import { checkPeriod, checkSnapshot, restoreRing } from './errors';
import type { StreamingIndicator } from './indicator';
import { orNull } from './indicator';

export interface MomentumState {
  kind: 'momentum';
  period: number;
  count: number;
  head: number;
  ring: number[];
}

/**
 * TA-Lib MOM: close − close₋ₙ, first at index n. The ring holds the last n+1 committed closes:
 * n for the next value's partner, plus the one the last committed value was compared with,
 * so a restored snapshot shows the same result.
 */
export class Momentum implements StreamingIndicator<number, number, MomentumState> {
  readonly period: number;
  /** NaN until warm */
  value = Number.NaN;
  private readonly ring: Float64Array;
  private count = 0;
  /** slot the next committed close goes to (holding the oldest one) */
  private head = 0;

  constructor(period: number) {
    this.period = checkPeriod('momentum period', period);
    this.ring = new Float64Array(this.period + 1);
  }

  add(x: number): void {
    this.step(x);
    this.ring[this.head] = x;
    this.head = this.head === this.period ? 0 : this.head + 1;
    this.count++;
  }

  replace(x: number): void {
    this.step(x);
  }

  private step(x: number): void {
    const partner = this.head === this.period ? 0 : this.head + 1;
    this.value = this.count >= this.period ? x - this.ring[partner]! : Number.NaN;
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
    this.value = Number.NaN;
  }

  snapshot(): MomentumState {
    const { period, count, head } = this;
    return { kind: 'momentum', period, count, head, ring: Array.from(this.ring) };
  }

  restore(s: MomentumState): void {
    checkSnapshot(s.kind === 'momentum' && s.period === this.period, 'momentum');
    restoreRing(this.ring, s.ring, 'momentum');
    this.count = s.count;
    this.head = s.head;
    const m = this.ring.length;
    // The last committed close sits just before head; its partner, n closes earlier, at head.
    const last = this.ring[(s.head + m - 1) % m]!;
    this.value = s.count > this.period ? last - this.ring[s.head]! : Number.NaN;
  }
}
