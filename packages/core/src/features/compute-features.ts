import type { Bar, Features } from '../types';
import type { FeatureEngineOptions } from './feature-engine';
import { FeatureEngine } from './feature-engine';

export interface ComputeFeaturesOptions extends FeatureEngineOptions {
  /** stamp for every payload's `computedAt`; default: each bar's own ts (reproducible) */
  computedAt?: number;
}

/**
 * Batch form for backfill and tests: one Features per bar, oldest first, each bar applied
 * with its own `final` flag (a forming bar is shown, then dropped by the next bar). The last
 * element is the current snapshot.
 */
export function computeFeatures(bars: readonly Bar[], options: ComputeFeaturesOptions): Features[] {
  const engine = new FeatureEngine(options);
  return bars.map((bar) => {
    engine.update(bar);
    return engine.features(options.computedAt ?? bar.ts);
  });
}
