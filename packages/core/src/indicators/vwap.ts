import type { Bar } from '../types';
import { checkSnapshot } from './errors';
import type { StreamingIndicator } from './indicator';
import { orNull } from './indicator';

export type VwapInput = Pick<Bar, 'ts' | 'high' | 'low' | 'close' | 'volume'>;

/** Maps a bar's open time to its session's start (the VWAP anchor), ms UTC. */
export type SessionAnchor = (ts: number) => number;

export interface VwapState {
  kind: 'vwap';
  count: number;
  /** null before the first bar */
  anchor: number | null;
  pv: number;
  volume: number;
}

/**
 * Session-anchored VWAP: Σ(typical·volume)/Σvolume with typical = (h+l+c)/3, restarted when
 * a bar's session start differs from the previous bar's. null while Σvolume = 0 (FX feeds
 * often carry no volume): that is "undefined", not "warming up", so `isStable` is true from
 * the first bar.
 */
export class Vwap implements StreamingIndicator<VwapInput, number, VwapState> {
  /** NaN while undefined */
  value = Number.NaN;
  private readonly anchorOf: SessionAnchor;
  private count = 0;
  private anchor = Number.NaN;
  private pv = 0;
  private volume = 0;
  private seen = false;
  // Tentative state from the last step; add commits it.
  private nextAnchor = Number.NaN;
  private nextPv = 0;
  private nextVolume = 0;

  constructor(anchorOf: SessionAnchor) {
    this.anchorOf = anchorOf;
  }

  add(bar: VwapInput): void {
    this.step(bar);
    this.anchor = this.nextAnchor;
    this.pv = this.nextPv;
    this.volume = this.nextVolume;
    this.count++;
  }

  replace(bar: VwapInput): void {
    this.step(bar);
  }

  private step(bar: VwapInput): void {
    const anchor = this.anchorOf(bar.ts);
    const same = anchor === this.anchor;
    const v = bar.volume;
    const pv = (same ? this.pv : 0) + ((bar.high + bar.low + bar.close) / 3) * v;
    const volume = (same ? this.volume : 0) + v;
    this.nextAnchor = anchor;
    this.nextPv = pv;
    this.nextVolume = volume;
    this.seen = true;
    this.value = volume > 0 ? pv / volume : Number.NaN;
  }

  get result(): number | null {
    return orNull(this.value);
  }

  get isStable(): boolean {
    return this.seen;
  }

  reset(): void {
    this.count = 0;
    this.anchor = Number.NaN;
    this.pv = this.volume = 0;
    this.seen = false;
    this.value = Number.NaN;
  }

  snapshot(): VwapState {
    const anchor = this.count > 0 ? this.anchor : null;
    return { kind: 'vwap', count: this.count, anchor, pv: this.pv, volume: this.volume };
  }

  restore(s: VwapState): void {
    checkSnapshot(s.kind === 'vwap', 'VWAP');
    this.count = s.count;
    this.anchor = s.anchor ?? Number.NaN;
    this.pv = s.pv;
    this.volume = s.volume;
    this.seen = s.count > 0;
    this.value = s.volume > 0 ? s.pv / s.volume : Number.NaN;
  }
}
