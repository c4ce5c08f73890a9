import type { Bar, Features, SessionSpec, Signal } from '@marketpipe/core';
// Straight from core's modules, not its index: that also loads zod and msgpack (the symbol
// schemas and the codec), half a megabyte the page has no use for.
import { FeatureEngine } from '../../../packages/core/src/features/feature-engine';
import { scan } from '../../../packages/core/src/scanner';

/** One chart point of every overlay, from the features of one bar; null where not warm yet. */
export interface OverlayPoint {
  ts: number;
  ema: Record<'9' | '21' | '50', number | null>;
  bb: { upper: number | null; middle: number | null; lower: number | null };
  rsi: number | null;
  macd: { macd: number | null; signal: number | null; histogram: number | null };
}

/** A change of the signal's side, where the chart puts a marker. */
export interface SignalMark {
  ts: number;
  signal: Signal;
}

const pointOf = (f: Features): OverlayPoint => ({
  ts: f.ts,
  ema: { '9': f.ema['9'] ?? null, '21': f.ema['21'] ?? null, '50': f.ema['50'] ?? null },
  bb: { upper: f.bb.upper, middle: f.bb.middle, lower: f.bb.lower },
  rsi: f.rsi,
  macd: f.macd,
});

/**
 * The overlays and signal history of the shown bars, computed in the page by the same core
 * code the collector runs (FeatureEngine, scan): Redis keeps only the latest features and
 * signal, and the chart needs them for every bar on screen. Final bars are committed, the
 * forming one only shown, exactly as the collector does.
 */
export class OverlayEngine {
  readonly #engine: FeatureEngine;
  #lastFinalTs = Number.NEGATIVE_INFINITY;
  #lastSide: Signal['side'] | null = null;

  constructor(session: SessionSpec) {
    this.#engine = new FeatureEngine({ session });
  }

  /** A final bar (ignored when not newer than the last): its point, and a mark if the side changed. */
  addFinal(bar: Bar): { point: OverlayPoint; mark: SignalMark | null } | null {
    if (bar.ts <= this.#lastFinalTs) return null;
    this.#engine.update(bar, { final: true });
    this.#lastFinalTs = bar.ts;
    const features = this.#engine.features(bar.ts);
    const signal = scan(features, bar.ts);
    const changed = signal.side !== this.#lastSide && signal.side !== 'flat' && this.#lastSide !== null;
    this.#lastSide = signal.side;
    return { point: pointOf(features), mark: changed ? { ts: bar.ts, signal } : null };
  }

  /** The forming bar's point (nothing is committed); null while it is still the last final bar. */
  showForming(bar: Bar): OverlayPoint | null {
    if (bar.ts <= this.#lastFinalTs) return null;
    this.#engine.update(bar, { final: false });
    return pointOf(this.#engine.features(bar.ts));
  }
}
